/**
 * @file The virtual EVM stack of one basic block, shared by both backends: values are the backend's own (wasm limb
 * locals, C temporaries); PUSH/DUP/SWAP/POP only move them at compile time. Items below the block's entry height are
 * loaded on first use (`loadEntryItem`, backend-specific) and remember their slot (`home`), so `survivors` can skip
 * storing back a value that never moved.
 */
export abstract class VirtualStack<V extends { readonly home?: number }> {
  protected readonly stack: V[] = [];
  /** Items consumed below the entry height. */
  protected popped = 0;

  /** Load the item `k` positions below the entry top (k ≥ 1); its `home` must be −k. */
  protected abstract loadEntryItem(k: number): V;

  pop(): V {
    const v = this.stack.pop();
    if (v !== undefined) return v;
    this.popped++;
    return this.loadEntryItem(this.popped);
  }

  push(v: V): void {
    this.stack.push(v);
  }

  /** Make sure the top `n` items are in the virtual stack. */
  private ensure(n: number): void {
    while (this.stack.length < n) {
      this.popped++;
      this.stack.unshift(this.loadEntryItem(this.popped));
    }
  }

  dup(n: number): void {
    this.ensure(n);
    this.stack.push(this.stack[this.stack.length - n]);
  }

  swap(n: number): void {
    this.ensure(n + 1);
    const s = this.stack;
    const top = s.length - 1;
    [s[top], s[top - n]] = [s[top - n], s[top]];
  }

  /** What the block's end must store: each value not already in its slot, with the slot relative to the entry top. */
  protected survivors(): { v: V; pos: number }[] {
    const base = -this.popped;
    return this.stack.map((v, i) => ({ v, pos: base + i })).filter(({ v, pos }) => v.home !== pos);
  }

  /** Net stack movement of the block so far, in bytes. */
  protected get deltaBytes(): number {
    return 32 * (this.stack.length - this.popped);
  }

  /** Forget everything (after a write-back). */
  protected reset(): void {
    this.stack.length = 0;
    this.popped = 0;
  }
}
