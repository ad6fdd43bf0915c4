#!/usr/bin/env python3
"""Regenerates the hostile-metadata fixtures: small valid 8x8 gray PNGs whose ancillary chunks
decompress to far more than the codec allows for one chunk (16 MB).

- iccp-bomb.png  an iCCP chunk of ~50 KB that inflates to 64 MB
- ztxt-bomb.png  a zTXt chunk of ~50 KB that inflates to 64 MB

and a TIFF whose pixel data does the same:

- deflate-bomb.tif  64x64 8-bit gray, one Deflate strip of ~64 KB that inflates to 64 MB
  (the image needs 4 KB of it)

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


def tiff(entries, data):
    """Little-endian classic TIFF: header, the strip at offset 8, then IFD0 (SHORT/LONG values inline)."""
    ifd_at = 8 + len(data) + (len(data) & 1)
    out = b"II*\0" + struct.pack("<I", ifd_at) + data + b"\0" * (len(data) & 1)
    out += struct.pack("<H", len(entries))
    for tag, kind, value in sorted(entries):
        field = struct.pack("<HI", value, 0)[:4] if kind == 3 else struct.pack("<I", value)
        out += struct.pack("<HHI", tag, kind, 1) + field
    return out + struct.pack("<I", 0)


strip = zlib.compress(b"\0" * (64 << 20), 9)
open("deflate-bomb.tif", "wb").write(tiff([(256, 3, 64), (257, 3, 64), (258, 3, 8), (259, 3, 8), (262, 3, 1),
                                          (273, 4, 8), (277, 3, 1), (278, 3, 64), (279, 4, len(strip))], strip))
