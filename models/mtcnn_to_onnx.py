"""Converts facenet-pytorch's MTCNN P-Net, R-Net and O-Net weights (legacy torch `.pt` files) to ONNX.

Usage: python models/mtcnn_to_onnx.py {pnet,rnet,onet} WEIGHTS.pt OUT.onnx  (build.py calls `convert` directly).
The `.pt` file is read by torch_legacy's restricted unpickler; torch itself is never imported.

Graph contract: input `input` [N,3,H,W] RGB normalised as (x - 127.5) * 0.0078125; outputs `prob` (softmax over
dim 1, channel 1 = face), `reg` (box regression) and, for O-Net, `landmarks` (x1..x5, y1..y5, box-relative).
Before the first dense layer the map is flattened in (W, H, C) order, as the original network does.
"""

import sys

from onnx_builder import GraphBuilder, float_input, serialise
from torch_legacy import load_state_dict


def _stage(g, sd, x, conv, prelu, pool=None):
    x = g.conv(x, sd[f"{conv}.weight"], sd[f"{conv}.bias"])
    x = g.prelu(x, sd[f"{prelu}.weight"], spatial=True)
    if pool is not None:
        x = g.op("MaxPool", [x], "pool", kernel_shape=[pool[0], pool[0]], strides=[pool[1], pool[1]], ceil_mode=1)
    return x


def _flatten_whc(g, x):
    x = g.op("Transpose", [x], "whc", perm=[0, 3, 2, 1])
    return g.op("Flatten", [x], "flat", axis=1)


def pnet(sd):
    g = GraphBuilder("mtcnn_pnet")
    x = _stage(g, sd, "input", "conv1", "prelu1", pool=(2, 2))
    x = _stage(g, sd, x, "conv2", "prelu2")
    x = _stage(g, sd, x, "conv3", "prelu3")
    g.op("Conv", [x, g.const("w", sd["conv4_2.weight"]), g.const("b", sd["conv4_2.bias"])], outputs=["reg"],
         kernel_shape=[1, 1])
    logits = g.conv(x, sd["conv4_1.weight"], sd["conv4_1.bias"])
    g.op("Softmax", [logits], outputs=["prob"], axis=1)
    return g.model([float_input("input", ["N", 3, "H", "W"])],
                   [float_input("prob", ["N", 2, "Hp", "Wp"]), float_input("reg", ["N", 4, "Hp", "Wp"])])


def rnet(sd):
    g = GraphBuilder("mtcnn_rnet")
    x = _stage(g, sd, "input", "conv1", "prelu1", pool=(3, 2))
    x = _stage(g, sd, x, "conv2", "prelu2", pool=(3, 2))
    x = _stage(g, sd, x, "conv3", "prelu3")
    x = _flatten_whc(g, x)
    x = g.prelu(g.gemm(x, sd["dense4.weight"], sd["dense4.bias"]), sd["prelu4.weight"], spatial=False)
    g.op("Softmax", [g.gemm(x, sd["dense5_1.weight"], sd["dense5_1.bias"])], outputs=["prob"], axis=1)
    g.op("Identity", [g.gemm(x, sd["dense5_2.weight"], sd["dense5_2.bias"])], outputs=["reg"])
    return g.model([float_input("input", ["N", 3, 24, 24])],
                   [float_input("prob", ["N", 2]), float_input("reg", ["N", 4])])


def onet(sd):
    g = GraphBuilder("mtcnn_onet")
    x = _stage(g, sd, "input", "conv1", "prelu1", pool=(3, 2))
    x = _stage(g, sd, x, "conv2", "prelu2", pool=(3, 2))
    x = _stage(g, sd, x, "conv3", "prelu3", pool=(2, 2))
    x = _stage(g, sd, x, "conv4", "prelu4")
    x = _flatten_whc(g, x)
    x = g.prelu(g.gemm(x, sd["dense5.weight"], sd["dense5.bias"]), sd["prelu5.weight"], spatial=False)
    g.op("Softmax", [g.gemm(x, sd["dense6_1.weight"], sd["dense6_1.bias"])], outputs=["prob"], axis=1)
    g.op("Identity", [g.gemm(x, sd["dense6_2.weight"], sd["dense6_2.bias"])], outputs=["reg"])
    g.op("Identity", [g.gemm(x, sd["dense6_3.weight"], sd["dense6_3.bias"])], outputs=["landmarks"])
    return g.model([float_input("input", ["N", 3, 48, 48])],
                   [float_input("prob", ["N", 2]), float_input("reg", ["N", 4]), float_input("landmarks", ["N", 10])])


BUILDERS = {"pnet": pnet, "rnet": rnet, "onet": onet}


def convert(net, weights_path):
    """Returns the ONNX model of `net` ("pnet", "rnet" or "onet") built from a legacy torch weights file."""
    if net not in BUILDERS:
        raise ValueError(f"unknown MTCNN net {net!r}, expected one of {sorted(BUILDERS)}")
    return BUILDERS[net](load_state_dict(weights_path))


def main(argv):
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    net, weights_path, out_path = argv
    with open(out_path, "wb") as f:
        f.write(serialise(convert(net, weights_path)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
