import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // CLI tests run the built package: rebuild dist/ when the sources changed.
    globalSetup: ['test/helpers/build-dist.ts'],
    // Load the wasm compiler in every test process (runtime loaders otherwise load it on demand).
    setupFiles: ['test/helpers/compiler.ts', 'test/helpers/log-equality.ts'],
  },
});
