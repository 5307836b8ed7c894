// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @title Signed — SDIV/SMOD/SAR/SLT/SGT/SIGNEXTEND over negative and positive int256 values.
contract Signed {
    /// Loop over an LCG-driven int256 sequence (wrapping, so it is negative about half the time).
    /// Every step is specified precisely so the test can replay it with BigInt:
    ///   x   = x * 6364136223846793005 + 1442695040888963407         (wrapping int256)
    ///   d   = int8(x) (sign-extended low byte), or -3 if that is 0
    ///   e   = int16(x >> 8) (arithmetic shift, then sign-extend), or 5 if that is 0
    ///   acc += x / d; acc -= x % e; acc ^= x >> (i & 255);
    ///   acc += 1 if x < acc, acc -= 1 if x > acc; acc = -acc if d < e   (all wrapping)
    function mix(int256 seed, uint256 n) external pure returns (int256 acc) {
        int256 x = seed;
        unchecked {
            for (uint256 i = 0; i < n; ++i) {
                x = x * 6364136223846793005 + 1442695040888963407;
                int256 d = int256(int8(x));
                int256 e = int256(int16(x >> 8));
                if (d == 0) d = -3;
                if (e == 0) e = 5;
                acc += x / d;
                acc -= x % e;
                acc ^= x >> (i & 255);
                if (x < acc) acc += 1;
                else if (x > acc) acc -= 1;
                if (d < e) acc = -acc;
            }
        }
    }

    /// Single operations on caller-supplied operands (nothing can be constant-folded).
    /// Unchecked, so type(int256).min / -1 wraps to type(int256).min; b == 0 still reverts
    /// with Panic(0x12).
    function ops(int256 a, int256 b)
        external
        pure
        returns (int256 q, int256 r, int256 sar, bool lt, bool gt, int256 lo8, int256 lo16)
    {
        unchecked {
            q = a / b;
            r = a % b;
            sar = a >> (uint256(b) & 255);
            lt = a < b;
            gt = a > b;
            lo8 = int8(a);
            lo16 = int16(b);
        }
    }

    /// Checked negation: -type(int256).min reverts with Panic(0x11).
    function neg(int256 a) external pure returns (int256) {
        return -a;
    }
}
