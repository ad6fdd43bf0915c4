#!/usr/bin/env python3
"""Regenerates the ImagingTests fixtures (not needed to build or test).

The PNG files are assembled by hand with the standard library so that they
exercise encoder choices our own writer never makes (palette, tRNS, 1/4-bit
gray, Adam7, 16-bit from a foreign encoder). The JPEG files come from Pillow
(pip install Pillow) as an independent encoder. Pixel values follow simple
formulas that the Swift tests recompute.

Run from this directory:  python3 make_fixtures.py
"""
import io
import struct
import zlib


def chunk(kind, data):
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)


def png(width, height, depth, color_type, raw_scanlines, interlace=0, extra=b""):
    ihdr = struct.pack(">IIBBBBB", width, height, depth, color_type, 0, 0, interlace)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + extra
            + chunk(b"IDAT", zlib.compress(raw_scanlines, 9)) + chunk(b"IEND", b""))


def pack_bits(values, depth):
    out, acc, bits = bytearray(), 0, 0
    for v in values:
        acc = (acc << depth) | v
        bits += depth
        if bits == 8:
            out.append(acc)
            acc, bits = 0, 0
    if bits:
        out.append(acc << (8 - bits))
    return bytes(out)


def scanlines(rows):
    return b"".join(b"\x00" + r for r in rows)  # filter type 0 on every row


def adam7(width, height, pixel_bytes):
    """Serialises pixel_bytes(x, y) -> bytes in Adam7 pass order."""
    passes = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
    out = b""
    for x0, y0, dx, dy in passes:
        xs = range(x0, width, dx)
        ys = range(y0, height, dy)
        if not xs or not ys:
            continue
        for y in ys:
            out += b"\x00" + b"".join(pixel_bytes(x, y) for x in xs)
    return out


def rgb8(x, y):
    return ((x * 19) % 256, (y * 23) % 256, ((x + y) * 7) % 256)


def rgba16(x, y):
    return (x * 7000 + 1, y * 9000 + 258, 65535 - x * y * 300, 30000 + x * 1000)


def gray16(x, y):
    return x * 4096 + y * 17 + 0x0102


def write(name, data):
    with open(name, "wb") as f:
        f.write(data)


def make_pngs():
    palette = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 255), (10, 20, 30)]
    plte = chunk(b"PLTE", bytes(c for rgb in palette for c in rgb))
    trns = chunk(b"tRNS", bytes([0, 128, 255]))  # entries 3 and 4 stay opaque
    rows = [bytes((x + y * 4) % 5 for x in range(4)) for y in range(3)]
    write("palette-trns.png", png(4, 3, 8, 3, scanlines(rows), extra=plte + trns))

    rows = [pack_bits([(x + y) % 4 for x in range(5)], 2) for y in range(2)]
    write("palette-2bit.png", png(5, 2, 2, 3, scanlines(rows), extra=chunk(b"PLTE", bytes(c for rgb in palette[:4] for c in rgb))))

    rows = [pack_bits([(x + y) % 2 for x in range(10)], 1) for y in range(3)]
    write("gray-1bit.png", png(10, 3, 1, 0, scanlines(rows)))

    rows = [pack_bits([(x * 3 + y) % 16 for x in range(7)], 4) for y in range(2)]
    write("gray-4bit.png", png(7, 2, 4, 0, scanlines(rows)))

    rows = [bytes(c for x in range(3) for c in ((x * 80) % 256, (y * 90) % 256, 7)) for y in range(2)]
    write("rgb-trns.png", png(3, 2, 8, 2, scanlines(rows), extra=chunk(b"tRNS", struct.pack(">HHH", 80, 90, 7))))

    rows = [b"".join(struct.pack(">H", gray16(x, y)) for x in range(5)) for y in range(4)]
    write("gray16.png", png(5, 4, 16, 0, scanlines(rows)))

    write("interlaced-rgb8.png", png(13, 11, 8, 2, adam7(13, 11, lambda x, y: bytes(rgb8(x, y))), interlace=1))
    write("interlaced-rgba16.png",
          png(9, 7, 16, 6, adam7(9, 7, lambda x, y: struct.pack(">HHHH", *rgba16(x, y))), interlace=1))

    # A header promising 10^10 pixels followed by almost nothing: a decoder
    # that allocates from the header before checking would try 30 GB.
    write("huge-header.png", png(100000, 100000, 8, 2, b"\x00" * 16))


def make_jpegs():
    from PIL import Image

    def quadrants(mode, colors):
        img = Image.new(mode, (16, 16))
        for y in range(16):
            for x in range(16):
                img.putpixel((x, y), colors[(y // 8) * 2 + x // 8])
        return img

    rgb = quadrants("RGB", [(200, 30, 30), (30, 200, 30), (30, 30, 200), (240, 240, 240)])
    rgb.save("baseline.jpg", quality=95, subsampling=0)
    rgb.save("progressive.jpg", quality=95, subsampling=0, progressive=True)
    quadrants("L", [20, 90, 160, 230]).save("gray.jpg", quality=95)
    # Pure cyan ink at 100% on white paper: R should vanish, G and B stay.
    Image.new("CMYK", (8, 8), (255, 0, 0, 0)).save("cmyk.jpg", quality=95)

    tiff = b"MM\x00\x2a\x00\x00\x00\x08\x00\x01\x01\x12\x00\x03\x00\x00\x00\x01\x00\x06\x00\x00\x00\x00\x00\x00"
    icc = fake_icc(b"RGB ")
    Image.new("RGB", (8, 8), (50, 100, 150)).save("metadata.jpg", quality=90, exif=b"Exif\x00\x00" + tiff,
                                                  icc_profile=icc)


def fake_icc(space):
    """A structurally valid, colorimetrically meaningless ICC header with no tags."""
    header = bytearray(132)
    struct.pack_into(">I", header, 0, 132)
    header[8:12] = bytes([2, 0x10, 0, 0])
    header[12:16] = b"mntr"
    header[16:20] = space
    header[20:24] = b"XYZ "
    header[36:40] = b"acsp"
    struct.pack_into(">iii", header, 68, 63190, 65536, 54061)  # D50
    return bytes(header)


if __name__ == "__main__":
    make_pngs()
    make_jpegs()
