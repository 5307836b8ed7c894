/**
 * @file Child process of store.test.ts's crash test: applies deterministic batches (`crashBatch(i)`, i = 1, 2, …)
 * to the durable store in argv[2], printing `i root` after each returns, until it is killed.
 */
import { SaltStore } from '../../runtime/salt/index.ts';
import { toHex } from '../../runtime/salt/field.ts';
import { crashBatch } from './crash-batch.ts';

const s = SaltStore.open(process.argv[2]);
for (let i = 1; i < 100_000; i++) {
  const root = s.applyBatch(crashBatch(i));
  process.stdout.write(`${i} ${toHex(root)}\n`);
}
