// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title Transient — EIP-1153 transient storage: a reentrancy lock in inline assembly
/// (tload/tstore on a fixed slot) and a counter declared with the `transient` keyword.
/// @notice Persistent layout: slot 0 = `total`. Transient layout: slot 0 = `counter`,
/// LOCK_SLOT = the lock. Every case is one transaction, so transient storage starts empty.
contract Transient {
    uint256 public total;
    uint256 transient counter;

    uint256 internal constant LOCK_SLOT = 0x6d65766d632e636f727075732e6c6f636b; // "mevmc.corpus.lock"

    error Reentrant();

    modifier nonReentrant() {
        uint256 locked;
        assembly {
            locked := tload(LOCK_SLOT)
        }
        if (locked != 0) revert Reentrant();
        assembly {
            tstore(LOCK_SLOT, 1)
        }
        _;
        assembly {
            tstore(LOCK_SLOT, 0)
        }
    }

    /// Increments the transient counter n times, adds the result to persistent `total`, returns it
    /// (always n: the counter starts at 0 in every transaction).
    function count(uint256 n) public nonReentrant returns (uint256) {
        for (uint256 i = 0; i < n; ++i) counter += 1;
        total += counter;
        return counter;
    }

    /// Calls the guarded `count` from inside a guarded function: the lock is held, so it reverts
    /// with Reentrant() — reentrancy simulated without an external call.
    function reenter() external nonReentrant returns (uint256) {
        return count(1);
    }

    /// Lock value before, inside and after a guarded section: (0, 1, 0).
    function lockStates() external returns (uint256 before, uint256 inside, uint256 afterwards) {
        assembly {
            before := tload(LOCK_SLOT)
        }
        inside = _guardedPeek();
        assembly {
            afterwards := tload(LOCK_SLOT)
        }
    }

    function _guardedPeek() internal nonReentrant returns (uint256 v) {
        assembly {
            v := tload(LOCK_SLOT)
        }
    }

    /// tstore i*i+1 into transient slots 1000..1000+n-1, then sums them back with tload.
    function tsum(uint256 n) external returns (uint256 s) {
        assembly {
            for { let i := 0 } lt(i, n) { i := add(i, 1) } {
                tstore(add(1000, i), add(mul(i, i), 1))
            }
            for { let i := 0 } lt(i, n) { i := add(i, 1) } {
                s := add(s, tload(add(1000, i)))
            }
        }
    }

    /// Same slot number in both namespaces: persistent slot 5 := v, transient slot 5 := v + 1.
    /// Returns (sload(5), tload(5)), proving the two address spaces are separate.
    function separate(uint256 v) external returns (uint256 persistent, uint256 temporary) {
        assembly {
            sstore(5, v)
            tstore(5, add(v, 1))
            persistent := sload(5)
            temporary := tload(5)
        }
    }
}
