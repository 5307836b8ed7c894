#!/usr/bin/env node
// Development launcher: runs the CLI from its TypeScript sources through tsx (no build step). The package's
// executable is dist/cli/mevmc.js, built by `npm run build` from cli/mevmc.ts.
import { register } from 'tsx/esm/api';

register();
await import('./mevmc.ts');
