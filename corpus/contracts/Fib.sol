// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @title Fib — Fibonacci numbers three ways: a tight wrapping loop, a checked loop that
/// overflows, and exponential internal recursion (deep internal-call return-address traffic).
contract Fib {
    /// fib(n) mod 2^256 with fib(0) = 0, fib(1) = 1. Unchecked so huge n just loops.
    function fib(uint256 n) external pure returns (uint256 a) {
        uint256 b = 1;
        unchecked {
            for (uint256 i = 0; i < n; ++i) {
                (a, b) = (b, a + b);
            }
        }
    }

    /// Same recurrence with checked addition: the loop computes up to fib(n + 1), so it reverts
    /// with Panic(0x11) as soon as fib(n + 1) >= 2^256.
    function fibChecked(uint256 n) external pure returns (uint256 a) {
        uint256 b = 1;
        for (uint256 i = 0; i < n; ++i) {
            (a, b) = (b, a + b);
        }
    }

    /// Naive recursion: fib(n) internal calls grow like phi^n.
    function fibRec(uint256 n) external pure returns (uint256) {
        return _rec(n);
    }

    function _rec(uint256 n) internal pure returns (uint256) {
        return n < 2 ? n : _rec(n - 1) + _rec(n - 2);
    }
}
