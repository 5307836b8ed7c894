// Entry point of the parallel executor's worker threads when running from sources: worker threads do not
// inherit the main thread's module hooks, so the TypeScript loader (tsx, as in cli/mevmc.mjs) is registered first.
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
