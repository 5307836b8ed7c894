// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @title Dispatch — branch-heavy control flow: an if/else chain, a Yul `switch`, a table of
/// internal function pointers (dynamic jump targets), an infinite loop and INVALID.
/// @notice All three interpreters run the same 12-operation machine, so they must agree:
///   x = x * 6364136223846793005 + 1442695040888963407 (mod 2^256); op = (x >> 200) % 12
///   0: acc += x                 1: acc ^= x                  2: acc = acc * 3 + 1
///   3: acc -= x >> 7            4: acc |= x & 0xffff         5: acc &= ~(x << 3)
///   6: acc = rotl(acc, 1)       7: acc /= (x & 0xff) + 1     8: acc = acc % ((x >> 8 & 0xffff) + 1) + x
///   9: acc = addmod(acc, x, 1000003)    10: acc = mulmod(acc, x | 1, 2^256 - 1)    11: acc = ~acc
/// After every step chk = chk * 31 + acc (odd multiplier: a bijection, so no step's result can be
/// masked by a later one); the functions return chk. All arithmetic wraps mod 2^256.
contract Dispatch {
    function runIf(uint256 seed, uint256 n) external pure returns (uint256 chk) {
        uint256 acc;
        uint256 x = seed;
        unchecked {
            for (uint256 i = 0; i < n; ++i) {
                x = x * 6364136223846793005 + 1442695040888963407;
                uint256 op = (x >> 200) % 12;
                if (op == 0) acc += x;
                else if (op == 1) acc ^= x;
                else if (op == 2) acc = acc * 3 + 1;
                else if (op == 3) acc -= x >> 7;
                else if (op == 4) acc |= x & 0xffff;
                else if (op == 5) acc &= ~(x << 3);
                else if (op == 6) acc = (acc << 1) | (acc >> 255);
                else if (op == 7) acc /= (x & 0xff) + 1;
                else if (op == 8) acc = acc % (((x >> 8) & 0xffff) + 1) + x;
                else if (op == 9) acc = addmod(acc, x, 1000003);
                else if (op == 10) acc = mulmod(acc, x | 1, type(uint256).max);
                else acc = ~acc;
                chk = chk * 31 + acc;
            }
        }
    }

    function runSwitch(uint256 seed, uint256 n) external pure returns (uint256 chk) {
        assembly {
            let x := seed
            let acc := 0
            for { let i := 0 } lt(i, n) { i := add(i, 1) } {
                x := add(mul(x, 6364136223846793005), 1442695040888963407)
                switch mod(shr(200, x), 12)
                case 0 { acc := add(acc, x) }
                case 1 { acc := xor(acc, x) }
                case 2 { acc := add(mul(acc, 3), 1) }
                case 3 { acc := sub(acc, shr(7, x)) }
                case 4 { acc := or(acc, and(x, 0xffff)) }
                case 5 { acc := and(acc, not(shl(3, x))) }
                case 6 { acc := or(shl(1, acc), shr(255, acc)) }
                case 7 { acc := div(acc, add(and(x, 0xff), 1)) }
                case 8 { acc := add(mod(acc, add(and(shr(8, x), 0xffff), 1)), x) }
                case 9 { acc := addmod(acc, x, 1000003) }
                case 10 { acc := mulmod(acc, or(x, 1), not(0)) }
                default { acc := not(acc) }
                chk := add(mul(chk, 31), acc)
            }
        }
    }

    function runTable(uint256 seed, uint256 n) external pure returns (uint256 chk) {
        function(uint256, uint256) pure returns (uint256)[12] memory table = [
            _op0, _op1, _op2, _op3, _op4, _op5, _op6, _op7, _op8, _op9, _op10, _op11
        ];
        uint256 x = seed;
        uint256 acc;
        unchecked {
            for (uint256 i = 0; i < n; ++i) {
                x = x * 6364136223846793005 + 1442695040888963407;
                acc = table[(x >> 200) % 12](acc, x);
                chk = chk * 31 + acc;
            }
        }
    }

    /// Never terminates: only the gas limit stops it (status halt, out of gas).
    function spin() external pure returns (uint256 i) {
        while (true) {
            unchecked {
                ++i;
            }
        }
    }

    /// Executes the INVALID opcode (0xfe): status halt, all gas consumed.
    function boom() external pure {
        assembly {
            invalid()
        }
    }

    function _op0(uint256 a, uint256 x) internal pure returns (uint256) { unchecked { return a + x; } }
    function _op1(uint256 a, uint256 x) internal pure returns (uint256) { return a ^ x; }
    function _op2(uint256 a, uint256) internal pure returns (uint256) { unchecked { return a * 3 + 1; } }
    function _op3(uint256 a, uint256 x) internal pure returns (uint256) { unchecked { return a - (x >> 7); } }
    function _op4(uint256 a, uint256 x) internal pure returns (uint256) { return a | (x & 0xffff); }
    function _op5(uint256 a, uint256 x) internal pure returns (uint256) { return a & ~(x << 3); }
    function _op6(uint256 a, uint256) internal pure returns (uint256) { return (a << 1) | (a >> 255); }
    function _op7(uint256 a, uint256 x) internal pure returns (uint256) { unchecked { return a / ((x & 0xff) + 1); } }
    function _op8(uint256 a, uint256 x) internal pure returns (uint256) { unchecked { return a % (((x >> 8) & 0xffff) + 1) + x; } }
    function _op9(uint256 a, uint256 x) internal pure returns (uint256) { return addmod(a, x, 1000003); }
    function _op10(uint256 a, uint256 x) internal pure returns (uint256) { return mulmod(a, x | 1, type(uint256).max); }
    function _op11(uint256 a, uint256) internal pure returns (uint256) { return ~a; }
}
