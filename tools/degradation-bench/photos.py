#!/usr/bin/python3
"""The photographs of issue 14's benchmark, as two disjoint folders of PNGs.

tune/: the 12 nature photographs of Debian's mate-backgrounds, Lanczos-downscaled to 640 px on
their long side (their own JPEG compression then vanishes below a level) — what fine-tune trains
on. eval/: 10 photographs scikit-image ships (python3-skimage), the large ones centre-cropped to
512×480 so a model runs on the whole LR at once — held out. Neither set is in DIV2K.

Usage: photos.py OUT_DIR
"""
import glob
import os
import sys

from PIL import Image

SKIMAGE = "/usr/lib/python3/dist-packages/skimage/data/"
MATE = "/usr/share/backgrounds/mate/nature/"
EVAL = ["astronaut.png", "camera.png", "chelsea.png", "coffee.png", "coins.png", "hubble_deep_field.jpg",
        "ihc.png", "motorcycle_left.png", "retina.jpg", "rocket.jpg"]


def main(out):
    for sub in ("tune", "eval"):
        os.makedirs(os.path.join(out, sub), exist_ok=True)
    tune = sorted(glob.glob(MATE + "*.jpg"))
    if not tune or not os.path.isdir(SKIMAGE):
        sys.exit("photos.py: install mate-backgrounds and python3-skimage (scripts/setup does)")
    for path in tune:
        image = Image.open(path).convert("RGB")
        scale = 640 / max(image.size)
        size = tuple(round(side * scale) // 4 * 4 for side in image.size)
        image.resize(size, Image.LANCZOS).save(os.path.join(out, "tune", os.path.basename(path)[:-4] + ".png"))
    for name in EVAL:
        image = Image.open(SKIMAGE + name).convert("RGB")
        w, h = image.size
        if w * h > 512 * 512:
            left, top = (w - 512) // 2, (h - 480) // 2
            image = image.crop((left, top, left + 512, top + 480))
        image.save(os.path.join(out, "eval", name.rsplit(".", 1)[0] + ".png"))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
