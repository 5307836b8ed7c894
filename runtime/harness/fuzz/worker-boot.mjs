// Entry point of the `mevmc fuzz` worker threads. Worker threads do not inherit the main thread's module hooks,
// so the TypeScript loader (tsx, as in cli/mevmc.mjs) is registered here first.
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
