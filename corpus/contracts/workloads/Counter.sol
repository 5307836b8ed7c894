// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @title Counter — one shared slot for the fully dependent workload (mevmc block gen --workload chain): every
/// transaction reads and writes slot 0, so each depends on the one before it.
contract Counter {
    uint256 public count;

    event Incremented(address indexed by, uint256 count);

    function increment() external returns (uint256 n) {
        n = ++count;
        emit Incremented(msg.sender, n);
    }
}
