#!/usr/bin/env python3
"""Regenerates the "camera" fixtures: tiny photos carrying metadata the way cameras and editors
write it, from an encoder other than ours (Pillow for the JPEG pixels; the PNG, the TIFF/EXIF
structures and the ICC profiles are assembled here by hand, following the specifications).

- camera-p3.jpg        12x9 RGB, EXIF big-endian: Orientation 6, Make/Model, DateTimeOriginal,
                       PixelX/YDimension 12x9, GPS lat/lon, and an IFD1 with a JPEG thumbnail;
                       XMP with tiff:Orientation 6; a Display P3 ICC profile.
- camera-adobergb.png  12x9 RGB 8-bit, eXIf little-endian: Orientation 8 and the same tags,
                       thumbnail included; iTXt XMP; an Adobe RGB (1998)-compatible iCCP profile.

In both, the stored top-left 4x3 block is pure red and the stored top-right 4x3 block pure green,
so a test can see where orientation put them. Run with a Python that has Pillow:
    ../../../tools/reference/.venv/bin/python make_camera_fixtures.py
"""
import io
import struct
import zlib

from PIL import Image

W, H = 12, 9


def pixels():
    img = Image.new("RGB", (W, H))
    for y in range(H):
        for x in range(W):
            if x < 4 and y < 3:
                img.putpixel((x, y), (255, 0, 0))
            elif x >= W - 4 and y < 3:
                img.putpixel((x, y), (0, 255, 0))
            else:
                img.putpixel((x, y), (60 + 10 * x, 80 + 12 * y, 140))
    return img


# ---- TIFF / EXIF -------------------------------------------------------------------------

SHORT, LONG, RATIONAL, ASCII, UNDEFINED = 3, 4, 5, 2, 7
SIZES = {SHORT: 2, LONG: 4, RATIONAL: 8, ASCII: 1, UNDEFINED: 1}


def tiff(orientation, big_endian, thumbnail):
    """A TIFF block: IFD0 -> Exif IFD, GPS IFD; IFD1 (thumbnail) last, as cameras lay it out."""
    e = ">" if big_endian else "<"

    def pack_values(typ, values):
        if typ == ASCII:
            return values.encode() + b"\0"
        if typ == UNDEFINED:
            return values
        if typ == RATIONAL:
            return b"".join(struct.pack(e + "II", n, d) for n, d in values)
        fmt = {SHORT: "H", LONG: "I"}[typ]
        return b"".join(struct.pack(e + fmt, v) for v in values)

    def count_of(typ, values):
        if typ in (ASCII, UNDEFINED):
            return len(pack_values(typ, values))
        return len(values)

    # Layout: header, IFD0, its data, Exif IFD, data, GPS IFD, data, IFD1, data, thumbnail.
    out = bytearray(b"MM\0\x2a" if big_endian else b"II\x2a\0")
    out += struct.pack(e + "I", 8)

    def directory(entries, start, next_offset):
        """entries: [(tag, type, values)] sorted by tag. Returns the bytes placed at `start`."""
        table_len = 2 + 12 * len(entries) + 4
        data = bytearray()
        table = bytearray(struct.pack(e + "H", len(entries)))
        for tag, typ, values in entries:
            raw = pack_values(typ, values)
            table += struct.pack(e + "HHI", tag, typ, count_of(typ, values))
            if len(raw) <= 4:
                table += raw + b"\0" * (4 - len(raw))
            else:
                table += struct.pack(e + "I", start + table_len + len(data))
                data += raw
                if len(data) % 2:
                    data += b"\0"
        table += struct.pack(e + "I", next_offset)
        return bytes(table + data)

    def size_of(entries):
        total = 2 + 12 * len(entries) + 4
        for _, typ, values in entries:
            n = len(pack_values(typ, values))
            if n > 4:
                total += n + (n % 2)
        return total

    exif_entries = [
        (0x9000, UNDEFINED, b"0232"),
        (0x9003, ASCII, "2009:07:14 16:20:05"),
        (0xA002, LONG, [W]),
        (0xA003, LONG, [H]),
    ]
    gps_entries = [
        (0x0000, UNDEFINED, b"\x02\x03\x00\x00"),
        (0x0001, ASCII, "N"),
        (0x0002, RATIONAL, [(48, 1), (51, 1), (2988, 100)]),
        (0x0003, ASCII, "E"),
        (0x0004, RATIONAL, [(2, 1), (17, 1), (4008, 100)]),
    ]
    ifd0_base = [
        (0x010F, ASCII, "Enhance Test Camera Co."),
        (0x0110, ASCII, "Model 12x9"),
        (0x0112, SHORT, [orientation]),
    ]
    ifd0_size = size_of(ifd0_base + [(0x8769, LONG, [0]), (0x8825, LONG, [0])])
    exif_at = 8 + ifd0_size
    gps_at = exif_at + size_of(exif_entries)
    ifd1_at = gps_at + size_of(gps_entries)
    ifd1_probe = [(0x0103, SHORT, [6]), (0x0201, LONG, [0]), (0x0202, LONG, [len(thumbnail)])]
    thumb_at = ifd1_at + size_of(ifd1_probe)
    ifd1_entries = [(0x0103, SHORT, [6]), (0x0201, LONG, [thumb_at]), (0x0202, LONG, [len(thumbnail)])]

    ifd0_entries = ifd0_base + [(0x8769, LONG, [exif_at]), (0x8825, LONG, [gps_at])]
    out += directory(ifd0_entries, 8, ifd1_at)
    assert len(out) == exif_at
    out += directory(exif_entries, exif_at, 0)
    assert len(out) == gps_at
    out += directory(gps_entries, gps_at, 0)
    assert len(out) == ifd1_at
    out += directory(ifd1_entries, ifd1_at, 0)
    assert len(out) == thumb_at
    out += thumbnail
    return bytes(out)


def xmp(orientation):
    return ('<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
            '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
            '<rdf:Description rdf:about="" xmlns:tiff="http://ns.adobe.com/tiff/1.0/" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" tiff:Orientation="%d">'
            '<dc:title><rdf:Alt><rdf:li xml:lang="x-default">Grandmother\'s garden</rdf:li></rdf:Alt></dc:title>'
            '</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>' % orientation).encode()


# ---- ICC ---------------------------------------------------------------------------------

def s15f16(v):
    return struct.pack(">i", int(round(v * 65536)))


def profile(description, space, tags, shared):
    """An ICC v2 display profile of colour space `space` ("RGB " or "GRAY"), D50 white point:
    `tags` (signature, body) in order, `shared` signatures pointing at another tag's body."""
    desc_text = description.encode() + b"\0"
    desc = (b"desc\0\0\0\0" + struct.pack(">I", len(desc_text)) + desc_text
            + struct.pack(">II", 0, 0) + struct.pack(">HB", 0, 0) + b"\0" * 67)
    cprt = b"text\0\0\0\0" + b"No copyright, use freely\0"
    tags = [(b"desc", desc), (b"cprt", cprt), (b"wtpt", xyz((0.9642, 1.0, 0.8249)))] + tags
    count = len(tags) + len(shared)
    offset = 128 + 4 + 12 * count
    table, data, where = b"", b"", {}
    for sig, body in tags:
        where[sig] = (offset + len(data), len(body))
        table += sig + struct.pack(">II", *where[sig])
        data += body + b"\0" * ((-len(body)) % 4)
    for sig, same in shared.items():
        table += sig + struct.pack(">II", *where[same])
    size = offset + len(data)
    header = (struct.pack(">I", size) + b"none" + bytes([2, 0x40, 0, 0]) + b"mntr" + space + b"XYZ "
              + struct.pack(">HHHHHH", 2024, 1, 1, 0, 0, 0) + b"acsp" + b"APPL" + struct.pack(">I", 0)
              + b"none" + b"none" + b"\0" * 8 + struct.pack(">I", 0)
              + s15f16(0.9642) + s15f16(1.0) + s15f16(0.8249) + b"none" + b"\0" * 16 + b"\0" * 28)
    assert len(header) == 128, len(header)
    return header + struct.pack(">I", count) + table + data


def xyz(v):
    return b"XYZ \0\0\0\0" + b"".join(s15f16(c) for c in v)


def icc(description, red, green, blue, trc):
    """An RGB display profile: matrix/TRC."""
    return profile(description, b"RGB ", [(b"rXYZ", xyz(red)), (b"gXYZ", xyz(green)), (b"bXYZ", xyz(blue)),
                                          (b"rTRC", trc)], {b"gTRC": b"rTRC", b"bTRC": b"rTRC"})


def gray_icc(description, trc):
    """A gray display profile: one tone curve (kTRC)."""
    return profile(description, b"GRAY", [(b"kTRC", trc)], {})


def curv_gamma(g):
    return b"curv\0\0\0\0" + struct.pack(">IH", 1, int(round(g * 256))) + b"\0\0"


def curv_srgb():
    values = []
    for i in range(1024):
        v = i / 1023
        lin = v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4
        values.append(int(round(lin * 65535)))
    return b"curv\0\0\0\0" + struct.pack(">I", len(values)) + b"".join(struct.pack(">H", v) for v in values)


DISPLAY_P3 = icc("Display P3 (enhance test profile)", (0.5151, 0.2412, -0.0011), (0.2920, 0.6922, 0.0419),
                 (0.1571, 0.0666, 0.7841), curv_srgb())
ADOBE_RGB = icc("Adobe RGB (1998)-compatible (enhance test profile)", (0.6097, 0.3111, 0.0195),
                (0.2053, 0.6257, 0.0609), (0.1492, 0.0632, 0.7446), curv_gamma(563 / 256))
GRAY_22 = gray_icc("Gray gamma 2.2 (enhance test profile)", curv_gamma(2.2))


# ---- Files -------------------------------------------------------------------------------

def thumbnail(img):
    buf = io.BytesIO()
    img.resize((6, 4)).save(buf, "JPEG", quality=80)
    return buf.getvalue()


def chunk(kind, data):
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)


def write_jpeg(img):
    exif = b"Exif\0\0" + tiff(6, True, thumbnail(img))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=95, exif=exif, icc_profile=DISPLAY_P3, subsampling=0)
    data = buf.getvalue()
    # Pillow has no XMP option for JPEG here: insert the APP1 segment after SOI by hand.
    packet = b"http://ns.adobe.com/xap/1.0/\0" + xmp(6)
    segment = b"\xff\xe1" + struct.pack(">H", len(packet) + 2) + packet
    open("camera-p3.jpg", "wb").write(data[:2] + segment + data[2:])


def write_png(img):
    raw = b"".join(b"\0" + img.tobytes()[y * W * 3:(y + 1) * W * 3] for y in range(H))
    itxt = b"XML:com.adobe.xmp\0" + b"\0\0" + b"\0" + b"\0" + xmp(8)
    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", W, H, 8, 2, 0, 0, 0))
           + chunk(b"iCCP", b"Adobe RGB compatible\0\0" + zlib.compress(ADOBE_RGB))
           + chunk(b"eXIf", tiff(8, False, thumbnail(img)))
           + chunk(b"iTXt", itxt)
           + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))
    open("camera-adobergb.png", "wb").write(png)


if __name__ == "__main__":
    image = pixels()
    write_jpeg(image)
    write_png(image)
    open("display-p3.icc", "wb").write(DISPLAY_P3)
    open("adobe-rgb.icc", "wb").write(ADOBE_RGB)
    open("gray-gamma22.icc", "wb").write(GRAY_22)
