/**
 * @file `mevmc bench` names the machine it ran on beside the fixed evmone column's, and says when the CPU is another
 * vendor's (ratios against a column measured elsewhere then compare CPUs as much as engines).
 */
import { cpus } from 'node:os';
import { describe, expect, it } from 'vitest';
import { type EvmoneReference, formatGeomeans, otherVendor, thisMachine } from '../../cli/commands/bench-evmone.ts';

const ref: EvmoneReference = { evmone: '0.15', date: '2026-12-06', machine: 'the mevmc sandbox kind: 2 vCPU Intel Xeon (KVM)', ms: {} };
const rows = [{ name: 'p', evmoneMs: 2, firstMs: 4, steadyMs: 1, hostCalls: 0, set: 'compute' as const }];

describe('bench machine line', () => {
  it('this machine: its vCPU count and the CPU model the OS reports', () => {
    expect(thisMachine()).toBe(`${cpus().length} vCPU ${cpus()[0].model.trim()}`);
  });
  it('another vendor than the reference: a note under the geomean header', () => {
    expect(otherVendor('2 vCPU AMD EPYC', ref.machine)).toBe(true);
    expect(otherVendor('8 vCPU Intel(R) Xeon(R) Platinum 8375C', ref.machine)).toBe(false);
    expect(otherVendor('2 vCPU QEMU Virtual CPU', ref.machine)).toBe(false); // unknown: no claim
    const amd = formatGeomeans(rows, ref, '2 vCPU AMD EPYC');
    expect(amd[1]).toMatch(/evmone measured 2026-12-06, the mevmc sandbox kind: 2 vCPU Intel Xeon \(KVM\); this run: 2 vCPU AMD EPYC\)$/);
    expect(amd[2]).toMatch(/^note: this CPU is not the kind the evmone column was measured on/);
    const intel = formatGeomeans(rows, ref, '2 vCPU Intel Xeon Processor');
    expect(intel.some((l) => l.startsWith('note:'))).toBe(false);
    expect(intel.find((l) => l.startsWith('all'))).toMatch(/^all\s+1\s+0\.50\s+2\.00/);
  });
});
