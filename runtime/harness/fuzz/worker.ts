/**
 * @file A `mevmc fuzz` worker thread: runs `workerLoop` for its slice of the campaign (see runner.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { type CampaignConfig, type WorkerMsg, workerLoop } from './runner.ts';

const { cfg, w } = workerData as { cfg: CampaignConfig; w: number };
let stop = false;
parentPort!.on('message', (m: { type: string }) => { if (m.type === 'stop') stop = true; });
const post = (m: WorkerMsg) => parentPort!.postMessage(m);
try {
  await workerLoop(cfg, w, post, () => stop);
} catch (e) {
  post({ type: 'error', message: `worker ${w}: ${(e as Error)?.stack ?? e}` });
}
parentPort!.close();
