"""Converts the parsed dlib ResNet (see dlib_dat) to ONNX.

Graph contract: input `input` [N,3,150,150] raw RGB 0..255; the input mean subtraction and /256 happen inside;
output `descriptor` [N,128], not normalised. Each affine (batch norm already folded by dlib) is folded into the conv
before it. The block wiring is not stored in the file and is hard-coded: after the stem, a block is
conv, affine, relu, conv, affine, then either add_prev (identity shortcut) or avg_pool + add_prev (shortcut = pooled
block input), then relu. Uneven residual adds zero-pad each input at the end of every axis, as dlib does.

Usage: python models/dlib_to_onnx.py dlib_face_recognition_resnet_model_v1.dat OUT.onnx  (build.py calls `convert`).
"""

import sys

import numpy as np

import dlib_dat
from onnx_builder import GraphBuilder, float_input, serialise


def _out_size(n, k, s, p):
    return 1 + (n + 2 * p - k) // s


class _Net:
    def __init__(self, g):
        self.g = g

    def conv_affine(self, x, shape, conv, affine):
        gamma, beta = affine["gamma"], affine["beta"]
        w = conv["weight"] * gamma[:, None, None, None]
        b = conv["bias"] * gamma + beta
        (sy, _), (py, _) = conv["stride"], conv["pad"]
        k = w.shape[2]
        y = self.g.conv(x, w, b, stride=sy, pad=py)
        h = _out_size(shape[1], k, sy, py)
        return y, (w.shape[0], h, _out_size(shape[2], w.shape[3], sy, py))

    def pool(self, x, shape, layer, op):
        (k, _), (s, _), (p, _) = layer["size"], layer["stride"], layer["pad"]
        y = self.g.op(op, [x], "pool", kernel_shape=[k, k], strides=[s, s], pads=[p, p, p, p])
        return y, (shape[0], _out_size(shape[1], k, s, p), _out_size(shape[2], k, s, p))

    def pad_to(self, x, shape, target):
        extra = [t - s for s, t in zip(shape, target)]
        if not any(extra):
            return x
        pads = np.array([0, 0, 0, 0, 0] + extra, dtype=np.int64)
        return self.g.op("Pad", [x, self.g.const("pads", pads)], "pad", mode="constant")

    def relu(self, x):
        return self.g.op("Relu", [x], "relu")


def convert_parsed(model):
    layers = model["layers"]
    g = GraphBuilder("dlib_resnet_v1")
    net = _Net(g)
    mean = np.array(model["mean"], dtype=np.float32).reshape(1, 3, 1, 1)
    x = g.op("Sub", ["input", g.const("mean", mean)], "centred")
    x = g.op("Mul", [x, g.const("scale", np.array(1.0 / 256.0, dtype=np.float32))], "scaled")
    shape = (3,) + tuple(model["size"])

    expect = ["conv", "affine", "relu", "max_pool"]
    if [layer["type"] for layer in layers[:4]] != expect:
        raise ValueError("unexpected stem")
    x, shape = net.conv_affine(x, shape, layers[0], layers[1])
    x = net.relu(x)
    x, shape = net.pool(x, shape, layers[3], "MaxPool")

    i = 4
    while layers[i]["type"] == "conv":
        kinds = [layer["type"] for layer in layers[i:i + 5]]
        if kinds != ["conv", "affine", "relu", "conv", "affine"]:
            raise ValueError(f"unexpected block layout at layer {i}: {kinds}")
        block_in, in_shape = x, shape
        y, y_shape = net.conv_affine(x, shape, layers[i], layers[i + 1])
        y = net.relu(y)
        y, y_shape = net.conv_affine(y, y_shape, layers[i + 3], layers[i + 4])
        i += 5
        if layers[i]["type"] == "avg_pool":
            skip, skip_shape = net.pool(block_in, in_shape, layers[i], "AveragePool")
            i += 1
        else:
            skip, skip_shape = block_in, in_shape
        if layers[i]["type"] != "add_prev" or layers[i + 1]["type"] != "relu":
            raise ValueError(f"block at layer {i} does not end with add_prev, relu")
        target = tuple(max(a, b) for a, b in zip(y_shape, skip_shape))
        x = g.op("Add", [net.pad_to(y, y_shape, target), net.pad_to(skip, skip_shape, target)], "add")
        x = net.relu(x)
        shape = target
        i += 2

    if layers[i]["type"] != "avg_pool" or layers[i]["size"] != (0, 0) or layers[i + 1]["type"] != "fc":
        raise ValueError("unexpected head")
    x = g.op("GlobalAveragePool", [x], "gap")
    x = g.op("Flatten", [x], "flat", axis=1)
    g.op("MatMul", [x, g.const("fc", layers[i + 1]["weight"].astype(np.float32))], outputs=["descriptor"])
    return g.model([float_input("input", ["N", 3, model["size"][0], model["size"][1]])],
                   [float_input("descriptor", ["N", layers[i + 1]["weight"].shape[1]])])


def convert(dat_bytes):
    """Returns the ONNX model of a dlib_face_recognition_resnet_model_v1.dat file's contents."""
    return convert_parsed(dlib_dat.parse(dat_bytes))


def main(argv):
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    dat_path, out_path = argv
    with open(dat_path, "rb") as f:
        model = convert(f.read())
    with open(out_path, "wb") as f:
        f.write(serialise(model))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
