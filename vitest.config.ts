import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // CLI tests run the built package: rebuild dist/ when the sources changed.
    globalSetup: ['test/helpers/build-dist.ts'],
  },
});
