"""Writes scikit-image's bundled photos as RGB PNGs: a training set and held-out crops."""
import os
import sys

import imageio.v3 as iio
import numpy as np
import skimage
from skimage import data

TRAIN = ["astronaut", "chelsea", "coffee", "rocket", "retina", "hubble_deep_field",
         "immunohistochemistry", "brick", "grass", "gravel", "camera", "coins", "moon", "page", "text", "colorwheel"]


def rgb(image):
    image = np.asarray(image)
    if image.ndim == 2:
        image = np.stack([image] * 3, axis=-1)
    image = image[..., :3]
    if image.dtype != np.uint8:
        image = (255 * (image.astype(np.float64) - image.min()) / max(image.max() - image.min(), 1e-9)).round()
    return image.astype(np.uint8)


def main(out):
    os.makedirs(f"{out}/train", exist_ok=True)
    os.makedirs(f"{out}/val", exist_ok=True)
    for name in TRAIN:
        loader = getattr(data, name, None)
        if loader is None:
            continue
        try:
            image = rgb(loader())
        except Exception as error:  # a photo that must be downloaded is skipped, not fetched
            print(f"skipping {name}: {error}", file=sys.stderr)
            continue
        iio.imwrite(f"{out}/train/{name}.png", image)
        print(f"train/{name}.png {image.shape[1]}x{image.shape[0]}")
    folder = os.path.dirname(skimage.data.__file__)
    left = rgb(iio.imread(os.path.join(folder, "motorcycle_left.png")))
    iio.imwrite(f"{out}/train/motorcycle_left.png", left)
    print(f"train/motorcycle_left.png {left.shape[1]}x{left.shape[0]}")
    right = rgb(iio.imread(os.path.join(folder, "motorcycle_right.png")))
    h, w = right.shape[:2]
    for i, (y, x) in enumerate([(40, 40), (40, w - 232), (h - 232, w // 2 - 96)]):
        crop = right[y:y + 192, x:x + 192]
        iio.imwrite(f"{out}/val/motorcycle_right_{i}.png", crop)
        print(f"val/motorcycle_right_{i}.png 192x192 at ({x}, {y})")
    print(f"scikit-image {skimage.__version__}")


if __name__ == "__main__":
    main(sys.argv[1])
