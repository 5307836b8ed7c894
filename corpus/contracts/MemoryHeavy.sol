// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @title MemoryHeavy — memory expansion (quadratic gas), MCOPY with overlapping ranges, large
/// RETURN data, and an out-of-range memory access that must run out of gas.
contract MemoryHeavy {
    /// Allocates an n-word array, a[i] = i * i + 1, returns the (wrapping) sum read back.
    function bigArray(uint256 n) external pure returns (uint256 sum) {
        uint256[] memory a = new uint256[](n);
        unchecked {
            for (uint256 i = 0; i < n; ++i) a[i] = i * i + 1;
            for (uint256 i = 0; i < n; ++i) sum += a[i];
        }
    }

    /// Concatenates `part` times copies of part (bytes.concat, compiled to MCOPY for cancun).
    /// Returns keccak256 of the result and its length.
    function concat(bytes calldata part, uint256 times) external pure returns (bytes32 h, uint256 len) {
        bytes memory acc;
        for (uint256 i = 0; i < times; ++i) acc = bytes.concat(acc, part);
        h = keccak256(acc);
        len = acc.length;
    }

    /// buf[i] = uint8(31 * i) for i < n (n >= 16), then, with memmove semantics:
    ///   mcopy(buf + 7, buf, n / 2)       overlapping, destination above source
    ///   mcopy(buf, buf + 3, n - 3)       overlapping, destination below source
    ///   mcopy(buf + n, buf, n)           adjacent, fills buf[n .. 2n)
    /// Returns keccak256(buf[0 .. 2n)).
    function shuffle(uint256 n) external pure returns (bytes32 h) {
        require(n >= 16, "n < 16");
        assembly {
            let p := mload(0x40)
            for { let i := 0 } lt(i, n) { i := add(i, 1) } {
                mstore8(add(p, i), and(mul(i, 31), 0xff))
            }
            mcopy(add(p, 7), p, div(n, 2))
            mcopy(p, add(p, 3), sub(n, 3))
            mcopy(add(p, n), p, n)
            h := keccak256(p, mul(n, 2))
        }
    }

    /// Returns n bytes, byte i = uint8(i) (large RETURNDATA / RETURN from expanded memory).
    function bigReturn(uint256 n) external pure returns (bytes memory out) {
        out = new bytes(n);
        for (uint256 i = 0; i < n; ++i) out[i] = bytes1(uint8(i));
    }

    /// MSTORE8 of 1 at an arbitrary offset, then MLOAD of the aligned word containing it
    /// (= 1 << (8 * (31 - offset % 32))). Huge offsets must fail with out-of-gas (the expansion
    /// cost exceeds any gas limit), never wrap around. (MSIZE is off-limits with the optimizer.)
    function touch(uint256 offset) external pure returns (uint256 w) {
        assembly {
            mstore8(offset, 1)
            w := mload(and(offset, not(31)))
        }
    }
}
