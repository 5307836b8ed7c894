// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @title Env — reads the block and message environment (never branches on it) and the payable
/// check. Values are returned as-is so the engines can be compared field by field.
contract Env {
    /// [number, timestamp, chainid, basefee, coinbase, gaslimit, prevrandao, blobbasefee]
    function blockInfo() external view returns (uint256[8] memory r) {
        r[0] = block.number;
        r[1] = block.timestamp;
        r[2] = block.chainid;
        r[3] = block.basefee;
        r[4] = uint256(uint160(address(block.coinbase)));
        r[5] = block.gaslimit;
        r[6] = block.prevrandao;
        r[7] = block.blobbasefee;
    }

    /// [caller, origin, address, callvalue, selfbalance, codesize, calldatasize, gasprice]
    function msgInfo() external payable returns (uint256[8] memory r) {
        r[0] = uint256(uint160(msg.sender));
        r[1] = uint256(uint160(tx.origin));
        r[2] = uint256(uint160(address(this)));
        r[3] = msg.value;
        r[4] = address(this).balance;
        uint256 cs;
        assembly {
            cs := codesize()
        }
        r[5] = cs;
        r[6] = msg.data.length;
        r[7] = tx.gasprice;
    }

    /// Non-payable: any value reverts (Solidity's CALLVALUE check).
    function nonPayable() external pure returns (uint256) {
        return 1;
    }

    /// GAS opcode: exact gas accounting is visible in the output.
    function gasLeft() external view returns (uint256) {
        return gasleft();
    }

    /// BALANCE of another account of the pre-state (a state read, not a call).
    function balanceOf(address a) external view returns (uint256) {
        return a.balance;
    }

    /// Copies its own code with CODECOPY and returns keccak256 of it (vs. EXTCODEHASH-free check).
    function codeHash() external pure returns (bytes32 h) {
        assembly {
            let p := mload(0x40)
            codecopy(p, 0, codesize())
            h := keccak256(p, codesize())
        }
    }
}
