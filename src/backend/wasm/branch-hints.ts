/**
 * @file Branch hints (the wasm branch-hinting proposal's `metadata.code.branch_hint` section) for the `if`s
 * whose one arm calls a function of a cold import (memory expansion): TurboFan then places that arm out of line
 * and spills around its call only there. Without the hint, every call to `mevmc_expand` in a big block makes V8
 * keep the block's values in stack slots on the hot path too (memory_grow_mload: 4,096 MLOADs, 114 → 54 µs).
 *
 * binaryen.js has no API for hints, so they are found in the finished binary: a decoder that knows each
 * instruction's immediates walks the code section. A module it cannot decode (an opcode it does not know) gets
 * no hints; a hint only moves code, never changes what it computes.
 */

import { uleb } from './writer.ts';

const SECTION = 'metadata.code.branch_hint';

class Reader {
  constructor(readonly b: Uint8Array, public p = 0) {}
  byte(): number {
    if (this.p >= this.b.length) throw new Undecodable();
    return this.b[this.p++];
  }
  uleb(): number {
    let r = 0, s = 0, x: number;
    do { x = this.byte(); if (s < 35) r += (x & 0x7f) * 2 ** s; s += 7; } while (x & 0x80);
    return r;
  }
  /** Skip a LEB128 of any width. */
  leb(): void {
    while (this.byte() & 0x80);
  }
  skip(n: number): void {
    this.p += n;
    if (this.p > this.b.length) throw new Undecodable();
  }
  name(): string {
    const n = this.uleb();
    const s = Buffer.from(this.b.subarray(this.p, this.p + n)).toString('utf8');
    this.skip(n);
    return s;
  }
}

class Undecodable extends Error {}


/** A value type or block type of one byte (negative s33), else a type index / heap type LEB. */
function skipBlockType(r: Reader): void {
  const b = r.b[r.p];
  if ((b & 0xc0) === 0x40) {
    r.p++;
    if (b === 0x63 || b === 0x64) r.leb();
  } else r.leb();
}

function skipMemarg(r: Reader): void {
  const align = r.uleb();
  if (align & 0x40) r.leb();
  r.leb();
}

interface IfFrame { kind: 'if'; at: number; cold: [boolean, boolean]; arm: 0 | 1 }
type Frame = IfFrame | { kind: 'block' };

/** The hints of one function body (`body` from its locals to its final `end`): [offset, likely] pairs. */
function hintsOf(r: Reader, end: number, cold: ReadonlySet<number>, start: number): [number, 0 | 1][] {
  for (let n = r.uleb(); n > 0; n--) { r.leb(); skipBlockType(r); }
  const frames: Frame[] = [];
  const out: [number, 0 | 1][] = [];
  while (r.p < end) {
    const at = r.p - start;
    const op = r.byte();
    switch (op) {
      case 0x02: case 0x03: skipBlockType(r); frames.push({ kind: 'block' }); break;
      case 0x04: skipBlockType(r); frames.push({ kind: 'if', at, cold: [false, false], arm: 0 }); break;
      case 0x05: {
        const f = frames[frames.length - 1];
        if (f?.kind !== 'if') throw new Undecodable();
        f.arm = 1;
        break;
      }
      case 0x0b: {
        const f = frames.pop();
        if (f?.kind === 'if' && f.cold[0] !== f.cold[1]) out.push([f.at, f.cold[0] ? 0 : 1]);
        break;
      }
      case 0x0c: case 0x0d: r.leb(); break;
      case 0x0e: for (let n = r.uleb() + 1; n > 0; n--) r.leb(); break;
      case 0x10: {
        const fn = r.uleb();
        if (cold.has(fn)) {
          // The innermost `if` whose arm holds the call, through blocks and loops but not through another `if`.
          for (let i = frames.length - 1; i >= 0; i--) {
            const f = frames[i];
            if (f.kind === 'if') { f.cold[f.arm] = true; break; }
          }
        }
        break;
      }
      case 0x11: r.leb(); r.leb(); break;
      case 0x1c: for (let n = r.uleb(); n > 0; n--) skipBlockType(r); break;
      case 0x20: case 0x21: case 0x22: case 0x23: case 0x24: case 0x25: case 0x26: r.leb(); break;
      case 0x3f: case 0x40: r.leb(); break;
      case 0x41: case 0x42: r.leb(); break;
      case 0x43: r.skip(4); break;
      case 0x44: r.skip(8); break;
      case 0xd0: skipBlockType(r); break;
      case 0xd2: r.leb(); break;
      case 0xfc: {
        const sub = r.uleb();
        if (sub <= 7) break;
        if (sub === 8 || sub === 10 || sub === 12 || sub === 14) { r.leb(); r.leb(); break; }
        if (sub === 9 || sub === 11 || sub === 13 || (sub >= 15 && sub <= 17)) { r.leb(); break; }
        throw new Undecodable();
      }
      case 0xfd: {
        const sub = r.uleb();
        if (sub <= 11 || sub === 92 || sub === 93) skipMemarg(r);
        else if (sub === 12 || sub === 13) r.skip(16);
        else if (sub >= 21 && sub <= 34) r.skip(1);
        else if (sub >= 84 && sub <= 91) { skipMemarg(r); r.skip(1); }
        else if (sub > 0xff) throw new Undecodable();
        break;
      }
      default:
        if (op >= 0x28 && op <= 0x3e) skipMemarg(r);
        else if (op === 0x00 || op === 0x01 || op === 0x0f || op === 0x1a || op === 0x1b || op === 0xd1 || (op >= 0x45 && op <= 0xc4)) break;
        else throw new Undecodable();
    }
  }
  if (r.p !== end || frames.length !== 0) throw new Undecodable();
  return out.sort((a, b) => a[0] - b[0]);
}

/**
 * `binary` with a branch-hint section (before the code section) marking as unlikely each `if` arm that calls
 * an import named in `coldImports` while the other arm does not; `binary` itself when there is none to mark or
 * the code cannot be decoded.
 */
export function withBranchHints(binary: Uint8Array, coldImports: ReadonlySet<string>): Uint8Array {
  try {
    const r = new Reader(binary, 8);
    const cold = new Set<number>();
    let funcImports = 0;
    while (r.p < binary.length) {
      const secStart = r.p;
      const id = r.byte();
      const size = r.uleb();
      const body = r.p;
      if (id === 2) {
        for (let n = r.uleb(); n > 0; n--) {
          r.name();
          const field = r.name();
          const kind = r.byte();
          if (kind === 0) { if (coldImports.has(field)) cold.add(funcImports); funcImports++; r.leb(); }
          else if (kind === 1) { r.byte(); const fl = r.uleb(); r.leb(); if (fl & 1) r.leb(); }
          else if (kind === 2) { const fl = r.uleb(); r.leb(); if (fl & 1) r.leb(); }
          else if (kind === 3) { r.byte(); r.byte(); }
          else throw new Undecodable();
        }
      }
      if (id === 10) {
        if (cold.size === 0) return binary;
        const entries: number[] = [];
        let nFuncs = 0;
        const count = r.uleb();
        for (let i = 0; i < count; i++) {
          const len = r.uleb();
          const start = r.p;
          const hints = hintsOf(r, start + len, cold, start);
          if (hints.length === 0) continue;
          nFuncs++;
          uleb(entries, funcImports + i);
          uleb(entries, hints.length);
          for (const [at, likely] of hints) { uleb(entries, at); entries.push(1, likely); }
        }
        if (nFuncs === 0) return binary;
        const content: number[] = [];
        const name = Buffer.from(SECTION, 'utf8');
        uleb(content, name.length);
        content.push(...name);
        uleb(content, nFuncs);
        const head: number[] = [0];
        uleb(head, content.length + entries.length);
        const out = new Uint8Array(binary.length + head.length + content.length + entries.length);
        out.set(binary.subarray(0, secStart), 0);
        let p = secStart;
        out.set(head, p); p += head.length;
        out.set(content, p); p += content.length;
        out.set(entries, p); p += entries.length;
        out.set(binary.subarray(secStart), p);
        return out;
      }
      r.p = body + size;
    }
    return binary;
  } catch (e) {
    if (e instanceof Undecodable) return binary;
    throw e;
  }
}
