#!/usr/bin/python3
"""Does deblocking with the file's own quantization tables help the network? (issue 14, item 3)

HR = a photograph (cropped to a multiple of 32 so the upscaled 8x8 JPEG blocks sit on a 32-px
grid), LR = PIL bicubic x1/4, saved as JPEG at --quality (4:2:0, as Pillow saves by default).
Prints PSNR-Y against the HR (4-px border, BT.601 luma as SR papers compute it) and the
blockiness index (the mean absolute luma step across the 32-px grid -- columns and rows j with
j mod 32 = 31 -- over the mean step at the same x4 phase off the grid: j mod 4 = 3, j mod 32 != 31)
for bicubic and for `enhance-ctl upscale` with each model, with and without --deblock.

Usage: tools/measure/deblock.py [--ctl .build/debug/enhance-ctl] [--quality 40] [PHOTO ...]
(photos: names of scikit-image's data files, e.g. astronaut coffee; Debian python3-skimage).
"""
import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np
from PIL import Image

DATA = "/usr/lib/python3/dist-packages/skimage/data"
DEFAULT_PHOTOS = ["astronaut", "coffee", "chelsea", "rocket", "motorcycle_left", "hubble_deep_field"]


def luma(rgb):
    rgb = np.asarray(rgb, dtype=np.float64)
    if rgb.ndim == 2:
        return rgb
    return 16 + (65.481 * rgb[..., 0] + 128.553 * rgb[..., 1] + 24.966 * rgb[..., 2]) / 255


def psnr_y(a, b, border=4):
    ya, yb = luma(a)[border:-border, border:-border], luma(b)[border:-border, border:-border]
    mse = np.mean((ya - yb) ** 2)
    return 10 * np.log10(255 ** 2 / mse)


def blockiness(rgb, grid=32, phase=4):
    y = luma(rgb)
    cols = np.abs(np.diff(y, axis=1))  # step between column j and j+1, at index j
    rows = np.abs(np.diff(y, axis=0))
    def split(steps, n):
        j = np.arange(n)
        on = (j % grid) == grid - 1
        off = ((j % phase) == phase - 1) & ~on
        return on, off
    con, coff = split(cols, cols.shape[1])
    ron, roff = split(rows, rows.shape[0])
    on = np.concatenate([cols[:, con].ravel(), rows[ron, :].ravel()])
    off = np.concatenate([cols[:, coff].ravel(), rows[roff, :].ravel()])
    return on.mean() / off.mean()


def photo(name):
    for ext in (".png", ".jpg"):
        path = os.path.join(DATA, name + ext)
        if os.path.exists(path):
            image = Image.open(path).convert("RGB")
            w, h = (image.width // 32) * 32, (image.height // 32) * 32
            return image.crop((0, 0, w, h))
    sys.exit(f"{name}: not among {DATA}'s photos")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ctl", default=".build/debug/enhance-ctl")
    parser.add_argument("--quality", type=int, default=40)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("photos", nargs="*", default=DEFAULT_PHOTOS)
    args = parser.parse_args()
    runs = [("bicubic", None, None), ("SRGAN", "srgan-gan", "off"), ("deblock+SRGAN", "srgan-gan", "on"),
            ("SRResNet", "srgan-pre", "off"), ("deblock+SRResNet", "srgan-pre", "on")]
    results = {label: [] for label, _, _ in runs}
    hr_blockiness = []
    with tempfile.TemporaryDirectory(prefix="deblock-") as tmp:
        for name in args.photos:
            hr = photo(name)
            hr_blockiness.append(blockiness(hr))
            lr = hr.resize((hr.width // 4, hr.height // 4), Image.BICUBIC)
            source = os.path.join(tmp, name + ".jpg")
            lr.save(source, quality=args.quality)
            for label, model, deblock in runs:
                if model is None:
                    out = Image.open(source).convert("RGB").resize(hr.size, Image.BICUBIC)
                else:
                    target = os.path.join(tmp, f"{name}-{model}-{deblock}.png")
                    subprocess.run([args.ctl, "upscale", source, target, "--model", model, "--deblock", deblock,
                                    "--threads", str(args.threads), "--no-provenance"],
                                   check=True, stdout=subprocess.DEVNULL)
                    out = Image.open(target).convert("RGB")
                results[label].append((psnr_y(out, hr), blockiness(out)))
            print(name, " ".join(f"{label}={p:.2f}/{b:.2f}" for label, rows in results.items()
                                 for p, b in rows[-1:]), file=sys.stderr)
    print(f"| LR JPEG q{args.quality}, {len(args.photos)} photos | PSNR-Y (dB) | blockiness |")
    print("|---|---|---|")
    for label, rows in results.items():
        p = np.mean([r[0] for r in rows]); b = np.mean([r[1] for r in rows])
        print(f"| {label} | {p:.2f} | {b:.2f} |")
    print(f"| (HR itself) | | {np.mean(hr_blockiness):.2f} |")


if __name__ == "__main__":
    main()
