// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @title StorageHeavy — SSTORE in every EIP-2200/3529 state: fresh writes (0 → x), overwrites
/// (x → y), clears (x → 0, refund), restores within one transaction (0 → x → 0, x → y → x) and
/// dynamic-array push/pop.
/// @notice Storage layout (used by corpus/cases.json pre-states):
///   slot 0: mapping(uint256 => uint256) data   → keccak256(abi.encode(key, 0))
///   slot 1: uint256 count                       (number of non-zero entries in `data`)
///   slot 2: uint256[] list                      (length at slot 2, element i at keccak256(abi.encode(2)) + i)
contract StorageHeavy {
    mapping(uint256 => uint256) public data;
    uint256 public count;
    uint256[] public list;

    /// data[start + i] = v + i for i < n (all values must be non-zero to keep `count` exact).
    function fill(uint256 start, uint256 n, uint256 v) external {
        for (uint256 i = 0; i < n; ++i) {
            if (data[start + i] == 0) ++count;
            data[start + i] = v + i;
        }
    }

    /// Deletes data[start .. start+n-1]; each non-zero entry cleared earns a refund.
    function clear(uint256 start, uint256 n) external {
        for (uint256 i = 0; i < n; ++i) {
            if (data[start + i] != 0) {
                --count;
                delete data[start + i];
            }
        }
    }

    /// Writes rounds different values to data[key], then restores the original value: every
    /// write after the first is to a dirty slot, and the final one is a restore. Returns the
    /// number of writes.
    function churn(uint256 key, uint256 rounds) external returns (uint256 writes) {
        uint256 original = data[key];
        for (uint256 r = 1; r <= rounds; ++r) {
            data[key] = original + r;
            ++writes;
        }
        data[key] = original;
        ++writes;
    }

    /// Exchanges data[a] and data[b].
    function swap(uint256 a, uint256 b) external {
        (data[a], data[b]) = (data[b], data[a]);
    }

    /// list.push(i + 1) for i < n; returns the new length.
    function push(uint256 n) external returns (uint256) {
        for (uint256 i = 0; i < n; ++i) list.push(i + 1);
        return list.length;
    }

    /// Pops every element (clearing each slot); returns the sum of the popped values.
    /// Popping an empty array reverts with Panic(0x31), so call it with a non-empty list only.
    function popAll() external returns (uint256 sum) {
        uint256 len = list.length;
        for (uint256 i = 0; i < len; ++i) {
            sum += list[list.length - 1];
            list.pop();
        }
    }

    /// One pop: on an empty list this reverts with Panic(0x31).
    function popOne() external {
        list.pop();
    }
}
