// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @title Bits — BYTE, SHL, SHR, SAR, SIGNEXTEND, NOT and friends, including out-of-range
/// operands (shift >= 256, byte index >= 32, signextend index >= 31).
contract Bits {
    /// Raw opcodes on caller-supplied operands (immune to constant folding).
    function ops(uint256 x, uint256 s)
        external
        pure
        returns (uint256 b, uint256 l, uint256 r, uint256 a, uint256 sx)
    {
        assembly {
            b := byte(s, x)
            l := shl(s, x)
            r := shr(s, x)
            a := sar(s, x)
            sx := signextend(s, x)
        }
    }

    /// Loop mixing all of them with shift amounts s = i * 37 % 300 (so some are >= 256):
    ///   acc ^= byte(s % 40, x) << (s % 256);  acc += shl(s, x);  acc ^= shr(s, acc);
    ///   acc += sar(s, x);  acc ^= signextend(s % 40, acc);  x = not(x) ^ acc    (wrapping)
    function mix(uint256 seed, uint256 n) external pure returns (uint256 acc) {
        assembly {
            let x := seed
            for { let i := 0 } lt(i, n) { i := add(i, 1) } {
                let s := mod(mul(i, 37), 300)
                acc := xor(acc, shl(mod(s, 256), byte(mod(s, 40), x)))
                acc := add(acc, shl(s, x))
                acc := xor(acc, shr(s, acc))
                acc := add(acc, sar(s, x))
                acc := xor(acc, signextend(mod(s, 40), acc))
                x := xor(not(x), acc)
            }
        }
    }

    /// Number of set bits (Kernighan: x &= x - 1 until zero).
    function popcount(uint256 x) external pure returns (uint256 c) {
        unchecked {
            while (x != 0) {
                x &= x - 1;
                ++c;
            }
        }
    }

    /// Count of leading zero bits (256 for x == 0), by binary search with SHR.
    function clz(uint256 x) external pure returns (uint256 n) {
        if (x == 0) return 256;
        for (uint256 step = 128; step != 0; step >>= 1) {
            if (x >> (256 - step) == 0) {
                n += step;
                x <<= step;
            }
        }
    }

    /// Reverses the byte order of x with BYTE and SHL.
    function bswap(uint256 x) external pure returns (uint256 y) {
        assembly {
            for { let i := 0 } lt(i, 32) { i := add(i, 1) } {
                y := or(y, shl(mul(i, 8), byte(i, x)))
            }
        }
    }
}
