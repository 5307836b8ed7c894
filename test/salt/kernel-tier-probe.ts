/**
 * @file Child process of kernel.test.ts (run with --allow-natives-syntax): prints which V8 tier holds the kernel's
 * fixed-base routine right after compilation, and whether a module compiled afterwards still starts in Liftoff
 * (the flags words.ts sets around the kernel's compile must be put back).
 */
import { kernelModule } from '../../runtime/salt/kernel/words.ts';

const isTurbo = new Function('f', 'return %IsTurboFanFunction(f)') as (f: unknown) => boolean;
const isLiftoff = new Function('f', 'return %IsLiftoffFunction(f)') as (f: unknown) => boolean;
const k = new WebAssembly.Instance(kernelModule(), {}).exports as Record<string, unknown>;
// (module (func (export "f") (result i32) i32.const 7))
const tiny = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 127, 3, 2, 1, 0, 7, 5, 1, 1, 102, 0, 0, 10, 6, 1, 4, 0, 65, 7, 11]);
const other = new WebAssembly.Instance(new WebAssembly.Module(tiny), {}).exports as { f: () => number };
other.f();
console.log(JSON.stringify({ kernelTurbo: isTurbo(k.salt_mul_batch), otherLiftoff: isLiftoff(other.f) }));
