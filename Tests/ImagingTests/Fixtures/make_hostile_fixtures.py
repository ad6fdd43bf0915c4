#!/usr/bin/env python3
"""Regenerates the hostile-metadata fixtures: small valid 8x8 gray PNGs whose ancillary chunks
decompress to far more than the codec allows for one chunk (16 MB).

- iccp-bomb.png  an iCCP chunk of ~50 KB that inflates to 64 MB
- ztxt-bomb.png  a zTXt chunk of ~50 KB that inflates to 64 MB

Run from this directory:  python3 make_hostile_fixtures.py
"""
import struct
import zlib


def chunk(kind, data):
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)


def png(extra):
    raw = b"".join(b"\0" + bytes(range(y * 8, y * 8 + 8)) for y in range(8))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 8, 8, 8, 0, 0, 0, 0)) + extra
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


bomb = zlib.compress(b"\0" * (64 << 20), 9)
open("iccp-bomb.png", "wb").write(png(chunk(b"iCCP", b"bomb\0\0" + bomb)))
open("ztxt-bomb.png", "wb").write(png(chunk(b"zTXt", b"Comment\0\0" + bomb)))
