// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @title Token — a minimal ERC20 written for the mevmc corpus.
/// @notice Storage layout (corpus/cases.json builds pre-states from it, keep it stable):
///   slot 0: mapping(address => uint256) balanceOf           → keccak256(abi.encode(holder, 0))
///   slot 1: mapping(address => mapping(address => uint256)) allowance
///                                                            → keccak256(abi.encode(spender, keccak256(abi.encode(owner, 1))))
///   slot 2: uint256 totalSupply
///   slot 3: address owner (the only account allowed to mint)
/// Cases run the runtime code only (no constructor), so `owner` and balances come from pre-state.
contract Token {
    mapping(address => uint256) public balanceOf;
    mapping(address => mapping(address => uint256)) public allowance;
    uint256 public totalSupply;
    address public owner;

    string public constant name = "Corpus Token";
    string public constant symbol = "CORP";
    uint8 public constant decimals = 18;

    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);

    error InsufficientBalance(uint256 available, uint256 required);
    error InsufficientAllowance(uint256 available, uint256 required);
    error NotOwner(address caller);

    constructor() {
        owner = msg.sender;
    }

    function transfer(address to, uint256 value) external returns (bool) {
        _transfer(msg.sender, to, value);
        return true;
    }

    function approve(address spender, uint256 value) external returns (bool) {
        allowance[msg.sender][spender] = value;
        emit Approval(msg.sender, spender, value);
        return true;
    }

    /// An allowance of type(uint256).max is "infinite" and is not decremented (common ERC20 idiom,
    /// gives the compiler a data-dependent branch around an SSTORE).
    function transferFrom(address from, address to, uint256 value) external returns (bool) {
        uint256 a = allowance[from][msg.sender];
        if (a != type(uint256).max) {
            if (a < value) revert InsufficientAllowance(a, value);
            unchecked {
                allowance[from][msg.sender] = a - value;
            }
        }
        _transfer(from, to, value);
        return true;
    }

    /// Owner-only mint; totalSupply uses checked arithmetic so an overflow reverts with Panic(0x11).
    function mint(address to, uint256 value) external {
        if (msg.sender != owner) revert NotOwner(msg.sender);
        totalSupply += value;
        unchecked {
            balanceOf[to] += value; // cannot overflow: bounded by totalSupply
        }
        emit Transfer(address(0), to, value);
    }

    /// Benchmark: n transfers of one unit from the caller to 8 rotating recipients (fresh and dirty
    /// storage slots, one LOG3 each). Returns the caller's final balance.
    function bench(uint256 n) external returns (uint256) {
        for (uint256 i = 0; i < n; ++i) {
            _transfer(msg.sender, address(uint160(0xbeef0000 + (i & 7))), 1);
        }
        return balanceOf[msg.sender];
    }

    function _transfer(address from, address to, uint256 value) internal {
        uint256 b = balanceOf[from];
        if (b < value) revert InsufficientBalance(b, value);
        unchecked {
            balanceOf[from] = b - value;
            balanceOf[to] += value;
        }
        emit Transfer(from, to, value);
    }
}
