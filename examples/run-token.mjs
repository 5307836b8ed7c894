/** @file A host for a module from `mevmc compile` (docs/wasm-abi.md), in plain JS: ERC-20 calls on an in-memory storage map.
 * Usage: node examples/run-token.mjs token.wasm builtins.wasm 0x<calldata>… (each call a transaction on one storage, which starts
 * with the Token's owner, slot 3, set to the caller). Gas: EIP-2929 access and EIP-2200 store costs, no refunds; CALL & co. unsupported. */
import { readFileSync } from 'node:fs';
const [wasmFile, builtinsFile, ...calls] = process.argv.slice(2);
const CTX = 20480, ENV = 20992, CALLDATA = 57344, CALLDATA_MAX = 73696, EVM_MEMORY = 131072; // docs/wasm-abi.md
const ADDRESS = 0x2000000000000000000000000000000000000002n, CALLER = 0x1000000000000000000000000000000000000001n;
const module = new WebAssembly.Module(readFileSync(wasmFile));
const meta = JSON.parse(new TextDecoder().decode(WebAssembly.Module.customSections(module, 'mevmc')[0]));
if (meta.abi !== 3) throw new Error(`wasm ABI ${meta.abi}: this host speaks version 3`);
const builtinsModule = new WebAssembly.Module(readFileSync(builtinsFile));
const storage = new Map([[3n, CALLER]]);
for (const hex of calls) {
  const calldata = Buffer.from(hex.replace(/^0x/, ''), 'hex'), logs = [], before = new Map(storage), original = new Map(), warm = new Set();
  const memory = new WebAssembly.Memory({ initial: 3, maximum: 65536 }); // a fresh frame per call: all zero
  const u8 = () => new Uint8Array(memory.buffer), dv = () => new DataView(memory.buffer);
  const read = (p) => u8().subarray(p, p + 32).reduceRight((x, b) => (x << 8n) | BigInt(b), 0n); // words: 32 bytes little-endian
  const write = (p, x) => { for (let i = 0; i < 32; i++, x >>= 8n) u8()[p + i] = Number(x & 0xffn); };
  const charge = (g) => { const left = dv().getBigUint64(CTX, true); if (left < g) return false; dv().setBigUint64(CTX, left - g, true); return true; };
  const cd = (off, ovf) => (ovf || off >= BigInt(calldata.length) ? calldata.length : Number(off));
  const host = {
    mevmc_calldataload(r, off, ovf) { const o = cd(off, ovf); for (let i = 0; i < 32; i++) u8()[r + 31 - i] = calldata[o + i] ?? 0; },
    mevmc_calldatacopy(dst, off, ovf, len) { const o = cd(off, ovf); for (let i = 0; i < len; i++) u8()[dst + i] = calldata[o + i] ?? 0; },
    mevmc_sload(r) {
      const k = read(r), cold = !warm.has(k); warm.add(k);
      if (!charge(cold ? 2100n : 100n)) return 3; // 3 = OutOfGas
      write(r, storage.get(k) ?? 0n); return 0;
    },
    mevmc_sstore(kp, vp) {
      if (dv().getBigUint64(CTX, true) <= 2300n) return 3; // EIP-2200 sentry
      const k = read(kp), v = read(vp), cur = storage.get(k) ?? 0n, cold = !warm.has(k); warm.add(k);
      if (!original.has(k)) original.set(k, cur);
      const orig = original.get(k), cost = cur === v || orig !== cur ? 100n : orig === 0n ? 20000n : 2900n;
      if (!charge(cost + (cold ? 2100n : 0n))) return 3;
      storage.set(k, v); return 0;
    },
    mevmc_log(n, topics, data, len) {
      logs.push({ topics: Array.from({ length: n }, (_, i) => '0x' + read(topics + 32 * i).toString(16)), data: Buffer.from(u8().slice(data, data + len)).toString('hex') });
      return 0;
    },
  };
  const imports = { env: { memory }, builtins: new WebAssembly.Instance(builtinsModule, { env: { memory } }).exports, host: {} };
  for (const i of WebAssembly.Module.imports(module)) {
    if (i.module === 'host') imports.host[i.name] = host[i.name] ?? (() => { throw new Error(`${i.name}: not supported by this example`); });
  }
  const { run } = new WebAssembly.Instance(module, imports).exports;
  const gas = 1_000_000n;
  dv().setBigUint64(CTX, gas, true); dv().setUint32(CTX + 24, calldata.length, true); dv().setUint32(CTX + 32, meta.codeSize, true);
  if (calldata.length <= CALLDATA_MAX) u8().set(calldata, CALLDATA); // the 32 zero bytes after it: a fresh memory
  for (const [slot, v] of [[0, ADDRESS], [2, CALLER], [13, BigInt(calldata.length)], [14, BigInt(meta.codeSize)]]) write(ENV + 32 * slot, v);
  const status = run(); // 0 stop, 1 return, 2 revert, ≥ 3 exceptional halt (all gas used)
  const out = status === 1 || status === 2 ? u8().slice(EVM_MEMORY + dv().getUint32(CTX + 16, true), EVM_MEMORY + dv().getUint32(CTX + 16, true) + dv().getUint32(CTX + 20, true)) : [];
  const gasUsed = status <= 2 ? gas - dv().getBigUint64(CTX, true) : gas;
  if (status > 1) { storage.clear(); for (const [k, v] of before) storage.set(k, v); } // a failed call changes nothing
  console.log(JSON.stringify({ status, gasUsed: String(gasUsed), output: '0x' + Buffer.from(out).toString('hex'), logs }));
}
