// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @title AbiStrings — string building, ABI encoding/decoding of dynamic data and structs, and
/// byte-level manipulation: lots of memory copying, offset arithmetic and bounds checks.
contract AbiStrings {
    struct Item {
        uint256 id;
        string name;
        uint256[] values;
        bytes32 tag;
    }

    /// Decimal representation of v.
    function toString(uint256 v) public pure returns (string memory) {
        if (v == 0) return "0";
        uint256 len;
        for (uint256 t = v; t != 0; t /= 10) ++len;
        bytes memory b = new bytes(len);
        while (v != 0) {
            b[--len] = bytes1(uint8(48 + (v % 10)));
            v /= 10;
        }
        return string(b);
    }

    /// "Hello, <name>!" followed by " #0 #1 … #(n-1)": repeated string.concat (MCOPY on cancun).
    function greet(string calldata name, uint256 n) external pure returns (string memory s) {
        s = string.concat("Hello, ", name, "!");
        for (uint256 i = 0; i < n; ++i) {
            s = string.concat(s, " #", toString(i));
        }
    }

    /// Packs the arguments into an Item, abi.encodes it, decodes it back and returns:
    /// the sum of the decoded values, "<name>/<values.length>", and the encoding's length.
    function roundTrip(uint256[] calldata values, string calldata name)
        external
        pure
        returns (uint256 sum, string memory label, uint256 encodedLength)
    {
        Item memory it = Item(values.length, name, values, keccak256(bytes(name)));
        bytes memory enc = abi.encode(it);
        Item memory back = abi.decode(enc, (Item));
        require(back.tag == keccak256(bytes(back.name)), "tag mismatch");
        for (uint256 i = 0; i < back.values.length; ++i) sum += back.values[i];
        label = string.concat(back.name, "/", toString(back.id));
        encodedLength = enc.length;
    }

    /// Byte-reversed copy of data.
    function reverse(bytes calldata data) external pure returns (bytes memory out) {
        out = new bytes(data.length);
        for (uint256 i = 0; i < data.length; ++i) {
            out[data.length - 1 - i] = data[i];
        }
    }

    /// "0x" + 64 lowercase hex digits of v.
    function toHex(bytes32 v) external pure returns (string memory) {
        bytes memory alphabet = "0123456789abcdef";
        bytes memory s = new bytes(66);
        s[0] = "0";
        s[1] = "x";
        for (uint256 i = 0; i < 32; ++i) {
            s[2 + 2 * i] = alphabet[uint8(v[i]) >> 4];
            s[3 + 2 * i] = alphabet[uint8(v[i]) & 15];
        }
        return string(s);
    }

    /// data[start:end] as a calldata slice; out-of-range bounds revert (no reason data).
    function slice(bytes calldata data, uint256 start, uint256 end) external pure returns (bytes memory) {
        return data[start:end];
    }

    /// abi.encodePacked of mixed widths: int256 (32 bytes), address (20), bool (1), string (raw).
    function packed(int256 a, address b, bool c, string calldata d) external pure returns (bytes memory) {
        return abi.encodePacked(a, b, c, d);
    }
}
