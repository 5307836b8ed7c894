// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @title Sort — in-memory quicksort of pseudo-random words, returning a checksum.
/// @notice The generator is the 64-bit PCG multiplier LCG taken modulo 2^256:
///   x_{i+1} = x_i * 6364136223846793005 + 1442695040888963407 (mod 2^256), element i = x_{i+1}.
/// The checksum is keccak256 of the sorted array (each element as a 32-byte big-endian word).
contract Sort {
    function sort(uint256 n, uint256 seed) external pure returns (bytes32) {
        uint256[] memory a = _fill(n, seed, false, 0);
        if (n > 1) _quick(a, 0, int256(n - 1));
        return keccak256(abi.encodePacked(a));
    }

    /// Same with values reduced to (x >> 128) % m: small m gives many duplicates, which exercises
    /// the equal-to-pivot paths. m == 0 reverts with Panic(0x12).
    function sortMod(uint256 n, uint256 seed, uint256 m) external pure returns (bytes32) {
        uint256[] memory a = _fill(n, seed, true, m);
        if (n > 1) _quick(a, 0, int256(n - 1));
        return keccak256(abi.encodePacked(a));
    }

    /// Returns true when the sorted output is non-decreasing (a self-check done on-chain).
    function sortedOk(uint256 n, uint256 seed) external pure returns (bool) {
        uint256[] memory a = _fill(n, seed, false, 0);
        if (n > 1) _quick(a, 0, int256(n - 1));
        for (uint256 i = 1; i < n; ++i) {
            if (a[i - 1] > a[i]) return false;
        }
        return true;
    }

    function _fill(uint256 n, uint256 seed, bool reduce, uint256 m) internal pure returns (uint256[] memory a) {
        a = new uint256[](n);
        uint256 x = seed;
        unchecked {
            for (uint256 i = 0; i < n; ++i) {
                x = x * 6364136223846793005 + 1442695040888963407;
                a[i] = reduce ? (x >> 128) % m : x; // % 0 panics even when unchecked
            }
        }
    }

    /// Hoare-style quicksort with signed indices (j may step to -1), middle pivot.
    function _quick(uint256[] memory a, int256 left, int256 right) internal pure {
        int256 i = left;
        int256 j = right;
        if (i == j) return;
        uint256 pivot = a[uint256(left + (right - left) / 2)];
        while (i <= j) {
            while (a[uint256(i)] < pivot) i++;
            while (pivot < a[uint256(j)]) j--;
            if (i <= j) {
                (a[uint256(i)], a[uint256(j)]) = (a[uint256(j)], a[uint256(i)]);
                i++;
                j--;
            }
        }
        if (left < j) _quick(a, left, j);
        if (i < right) _quick(a, i, right);
    }
}
