// Entry point of the witness-verification worker when running from TypeScript sources: worker threads do not
// inherit the main thread's module hooks, so the TypeScript loader (tsx, as in cli/mevmc.mjs) is registered first.
import { register } from 'tsx/esm/api';

register();
await import('./verify-worker.ts');
