/**
 * @file `mevmc block gen --workload W [--txs N] -o DIR [--seed S]`: write a synthetic block (issue #16 workloads,
 * runtime/harness/blocks/gen/) as a pevm fixture folder that `mevmc block DIR` runs. Prints one line: the folder,
 * workload, transactions and the header's gas (computed by the @ethereumjs/vm oracle). Bad input: exit 2.
 */
import { InputError } from '../../runtime/harness/case.ts';
import { generateBlock, writeGenerated } from '../../runtime/harness/blocks/gen/generate.ts';
import { WORKLOADS, type Workload } from '../../runtime/harness/blocks/gen/workloads.ts';
import { checkOutputDir, intOption } from '../options.ts';

/** Arguments of `mevmc block gen`. */
export interface BlockGenArgs {
  workload: Workload;
  txs?: number;
  out: string;
  seed: string;
}

export async function blockGenCommand(a: BlockGenArgs): Promise<number> {
  if (!WORKLOADS.includes(a.workload)) throw new InputError(`--workload: expected one of ${WORKLOADS.join(', ')}, got ${JSON.stringify(a.workload)}`);
  const txs = intOption('txs', a.txs);
  if (txs !== undefined && txs > 100_000) throw new InputError(`--txs: at most 100000, got ${txs}`);
  if (!a.out) throw new InputError('-o/--out: expected a folder');
  checkOutputDir('-o', a.out);
  const g = await generateBlock({ workload: a.workload, txs, seed: String(a.seed) });
  try {
    writeGenerated(a.out, g);
  } catch (e) {
    throw new InputError(`-o ${a.out}: cannot write (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  console.log(`${a.out}: ${a.workload} txs=${g.txs} gas=${g.gasUsed} seed=${a.seed}`);
  return 0;
}
