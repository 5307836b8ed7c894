/**
 * @file Runs a case at every gas limit a boundary lies on (0–3, around the total, and just enough / one more / one
 * short for each instruction, from @ethereumjs's gas trace), each compared with the reference by `expectSame`
 * (result and error kind). Returns the reference's results, for the caller's own assertions on them.
 */
import { expectSame, mkCase } from './engines.ts';
import { traceGas } from './trace.ts';

export async function atEveryGasBoundary(code: string, calldata = '0x'): Promise<{ status: string; error?: string }[]> {
  const c = mkCase({ fork: 'cancun', code, calldata, gas: '1000000' });
  const tr = await traceGas(c);
  const limits = new Set<bigint>([0n, 1n, 2n, 3n, tr.gasUsed - 1n, tr.gasUsed, tr.gasUsed + 1n, tr.gasUsed + 2n]);
  for (const s of tr.steps) { const used = c.gas - s.gasLeft; limits.add(used); limits.add(used + 1n); if (used > 0n) limits.add(used - 1n); }
  const refs: { status: string; error?: string }[] = [];
  for (const g of [...limits].sort((x, y) => (x < y ? -1 : 1))) {
    const r = await expectSame(mkCase({ fork: 'cancun', code, calldata, gas: String(g) }), { checkError: true, note: `gas ${g}` });
    refs.push({ status: r.ref.status, error: r.ref.error ?? undefined });
  }
  return refs;
}

/** How many of those runs halted exceptionally. */
export async function haltsAtEveryGasBoundary(code: string, calldata = '0x'): Promise<number> {
  return (await atEveryGasBoundary(code, calldata)).filter((r) => r.status === 'halt').length;
}
