#!/usr/bin/env node
// Launcher: registers tsx so the TypeScript sources run directly (no build step), then starts the CLI.
import { register } from 'tsx/esm/api';

register();
await import('./main.ts');
