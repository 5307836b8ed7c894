// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @title Events — LOG0..LOG4 with and without data, indexed value types (topics), anonymous
/// events, and a raw assembly emitter choosing the topic count at run time.
contract Events {
    event Nothing() anonymous; // LOG0, no data
    event Value(uint256 v); // LOG1: topic0 = signature
    event Indexed(uint256 indexed a, uint256 b); // LOG2
    event Both(address indexed from, bytes32 indexed tag, string note); // LOG3 with dynamic data
    event Full(uint256 indexed a, address indexed b, bytes32 indexed c, uint256 d); // LOG4
    event Anon4(uint256 indexed a, uint256 indexed b, uint256 indexed c, uint256 indexed d) anonymous; // LOG4, no data

    /// Emits each of the six events per iteration (6n logs). Returns 6n.
    function emitAll(uint256 n) external returns (uint256) {
        for (uint256 i = 0; i < n; ++i) {
            emit Nothing();
            emit Value(i);
            emit Indexed(i, i * 2);
            emit Both(msg.sender, bytes32(i), "note");
            emit Full(i, address(this), keccak256(abi.encode(i)), type(uint256).max - i);
            emit Anon4(i, i + 1, i + 2, i + 3);
        }
        return 6 * n;
    }

    /// Raw LOGk (k = topics, 0..4) with topic j = j + 1 and the given data. k > 4 reverts.
    function raw(uint256 topics, bytes calldata data) external {
        require(topics <= 4, "too many topics");
        assembly {
            let p := mload(0x40)
            calldatacopy(p, data.offset, data.length)
            switch topics
            case 0 { log0(p, data.length) }
            case 1 { log1(p, data.length, 1) }
            case 2 { log2(p, data.length, 1, 2) }
            case 3 { log3(p, data.length, 1, 2, 3) }
            default { log4(p, data.length, 1, 2, 3, 4) }
        }
    }

    /// Emits then reverts: the log must be discarded with the rest of the call's effects.
    function emitThenRevert() external {
        emit Value(42);
        revert("discarded");
    }
}
