// Entry of the execution thread when mevmc runs from its TypeScript sources (cli/mevmc.mjs): worker threads do not
// inherit the main thread's module hooks, so tsx is registered here first. The built package runs dist/cli/thread.js.
import { register } from 'tsx/esm/api';

register();
await import('./thread.ts');
