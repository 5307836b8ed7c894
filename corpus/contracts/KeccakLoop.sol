// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @title KeccakLoop — keccak256 chains over 32- and 64-byte inputs and over every prefix length
/// of a buffer (empty input, partial words, inputs spanning several 136-byte sponge blocks).
contract KeccakLoop {
    /// h_0 = seed, h_{i+1} = keccak256(h_i). Returns h_n.
    function chain(bytes32 seed, uint256 n) external pure returns (bytes32 h) {
        h = seed;
        for (uint256 i = 0; i < n; ++i) {
            h = keccak256(abi.encodePacked(h));
        }
    }

    /// h_0 = seed, h_{i+1} = keccak256(h_i ‖ uint256(i)), hashed from scratch space in assembly.
    function chainIndexed(bytes32 seed, uint256 n) external pure returns (bytes32 h) {
        assembly {
            h := seed
            for { let i := 0 } lt(i, n) { i := add(i, 1) } {
                mstore(0, h)
                mstore(32, i)
                h := keccak256(0, 64)
            }
        }
    }

    /// buf[i] = uint8(7 * i + 3) for i < n; returns XOR over len = 0..n of keccak256(buf[0:len]).
    function prefixes(uint256 n) external pure returns (bytes32 acc) {
        bytes memory buf = new bytes(n);
        for (uint256 i = 0; i < n; ++i) {
            buf[i] = bytes1(uint8(i * 7 + 3));
        }
        for (uint256 len = 0; len <= n; ++len) {
            bytes32 h;
            assembly {
                h := keccak256(add(buf, 32), len)
            }
            acc ^= h;
        }
    }
}
