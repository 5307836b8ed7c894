// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

interface IToken {
    function transfer(address to, uint256 value) external returns (bool);
    function transferFrom(address from, address to, uint256 value) external returns (bool);
}

/// @title Pair — a Uniswap-V2-like constant-product pair for the synthetic swap workload (mevmc block gen).
/// @notice Storage layout (the generator writes the pre-state from it, keep it stable):
///   slot 0: address token0    slot 1: address token1    slot 2: uint256 reserve0    slot 3: uint256 reserve1
/// The pair holds reserve0 of token0 and reserve1 of token1. A swap pulls the input with transferFrom (the trader
/// has approved the pair), pays out with the 0.3 % fee formula of Uniswap V2 and updates both reserves.
contract Pair {
    address internal token0;
    address internal token1;
    uint256 internal reserve0;
    uint256 internal reserve1;

    event Swap(address indexed sender, address indexed to, bool zeroForOne, uint256 amountIn, uint256 amountOut);

    error InsufficientOutput(uint256 amountOut, uint256 minOut);

    function getReserves() external view returns (uint256, uint256) {
        return (reserve0, reserve1);
    }

    function swap(bool zeroForOne, uint256 amountIn, uint256 minOut, address to) external returns (uint256 amountOut) {
        (address tokenIn, address tokenOut, uint256 rIn, uint256 rOut) =
            zeroForOne ? (token0, token1, reserve0, reserve1) : (token1, token0, reserve1, reserve0);
        IToken(tokenIn).transferFrom(msg.sender, address(this), amountIn);
        uint256 inWithFee = amountIn * 997;
        amountOut = (inWithFee * rOut) / (rIn * 1000 + inWithFee);
        if (amountOut < minOut) revert InsufficientOutput(amountOut, minOut);
        IToken(tokenOut).transfer(to, amountOut);
        if (zeroForOne) (reserve0, reserve1) = (rIn + amountIn, rOut - amountOut);
        else (reserve1, reserve0) = (rIn + amountIn, rOut - amountOut);
        emit Swap(msg.sender, to, zeroForOne, amountIn, amountOut);
    }
}
