/**
 * @file EIP-3155 execution traces (https://eips.ethereum.org/EIPS/eip-3155): one JSON object per
 * instruction, from a tracing build of the compiled code or from @ethereumjs/evm, so that the first
 * divergence between the two can be found by diffing the lines.
 *
 * `gas` is the gas left before the instruction (exact in both engines: tracing builds charge gas
 * per instruction). `gasCost` is what the instruction cost its own frame: the difference to the next
 * step of the same frame; for the CALL and CREATE families it also includes what the callee used (ethereumjs
 * reports only the access/transfer costs there), and for a frame's last step it is the static cost.
 */

export interface TraceStep {
  pc: number;
  op: number;
  opName: string;
  gas: bigint;
  gasCost: bigint;
  memSize: number;
  /** Stack bottom first, as EIP-3155. */
  stack: bigint[];
  /** 1 for the outermost frame. */
  depth: number;
  refund: bigint;
}

const hex = (x: bigint) => '0x' + x.toString(16);

/** One EIP-3155 line. */
export function formatTraceStep(s: TraceStep): string {
  return JSON.stringify({
    pc: s.pc, op: s.op, gas: hex(s.gas), gasCost: hex(s.gasCost), memSize: s.memSize,
    stack: s.stack.map(hex), depth: s.depth, refund: Number(s.refund), opName: s.opName,
  });
}

/** Fill `gasCost` from the next step of the same frame (see the file header). */
export function fillGasCosts(steps: TraceStep[], staticCost: (op: number) => bigint): void {
  for (let i = 0; i < steps.length; i++) {
    const s = steps[i];
    let next: TraceStep | undefined;
    for (let j = i + 1; j < steps.length; j++) {
      if (steps[j].depth === s.depth) { next = steps[j]; break; }
      if (steps[j].depth < s.depth) break;
    }
    s.gasCost = next ? s.gas - next.gas : staticCost(s.op);
  }
}
