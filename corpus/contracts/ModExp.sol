// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @title ModExp — big-number arithmetic with MULMOD/ADDMOD (512-bit intermediate products),
/// square-and-multiply exponentiation and a Fermat primality check.
contract ModExp {
    /// b^e mod m by right-to-left square-and-multiply. m == 0 reverts with Panic(0x12).
    function modexp(uint256 b, uint256 e, uint256 m) public pure returns (uint256 r) {
        r = 1 % m;
        b %= m;
        while (e != 0) {
            if (e & 1 == 1) r = mulmod(r, b, m);
            b = mulmod(b, b, m);
            e >>= 1;
        }
    }

    /// Fermat test a^(p-1) == 1 (mod p) for a = 2, 3, 5, 7.
    function probablyPrime(uint256 p) external pure returns (bool) {
        if (p < 2) return false;
        uint8[4] memory bases = [2, 3, 5, 7];
        for (uint256 i = 0; i < 4; ++i) {
            uint256 a = bases[i];
            if (a % p == 0) continue;
            if (modexp(a, p - 1, p) != 1) return false;
        }
        return true;
    }

    /// x_0 = seed, x_{i+1} = x_i^(x_i | 1) mod m: n full 256-bit exponentiations.
    function powChain(uint256 seed, uint256 n, uint256 m) external pure returns (uint256 x) {
        x = seed;
        for (uint256 i = 0; i < n; ++i) x = modexp(x, x | 1, m);
    }

    /// acc_{i+1} = addmod(acc_i, 2^256 - 1 - i, m) and acc = mulmod(acc, acc + i, m) for i < n:
    /// both sums and products exceed 2^256 before the reduction.
    function addmulChain(uint256 n, uint256 m) external pure returns (uint256 acc) {
        for (uint256 i = 0; i < n; ++i) {
            acc = addmod(acc, type(uint256).max - i, m);
            unchecked {
                acc = mulmod(acc, acc + i, m);
            }
        }
    }
}
