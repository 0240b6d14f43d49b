"""Converts TensorFlow.js graph models (read by tfjs_graph) to ONNX: the face-attribute models of human-models.

Usage: python models/tfjs_to_onnx.py {emotion,faceres,antispoof,liveness,facemesh} MODEL.json MODEL.bin OUT.onnx
(build.py calls `convert` directly).

The ONNX input `input` is NHWC, [N,H,W,C], as in TensorFlow.js. It is transposed once to NCHW, the convolutions run in
NCHW, and a tensor is transposed back to NHWC before a Reshape and at an output, so values flatten in TensorFlow's
(H, W, C) order. Shapes are tracked through the graph (all spatial sizes are static), which gives SAME padding its
explicit pads: TensorFlow puts the odd one at the end. Any op or attribute value not handled here stops the conversion.
"""

import sys
from dataclasses import dataclass

import numpy as np

import tfjs_graph
from onnx_builder import GraphBuilder, float_input, serialise
from tfjs_graph import GraphError

# name -> (input [H, W, C], {ONNX output: (TensorFlow node, shape without the batch dimension)})
MODELS = {
    "emotion": ([64, 64, 1], {"emotions": ("Identity", [7])}),
    "faceres": ([224, 224, 3], {"gender": ("gender_pred/Sigmoid", [1]), "age": ("age_pred/Softmax", [100]),
                                "descriptor": ("global_pooling/Mean", [1024])}),
    "antispoof": ([128, 128, 3], {"real": ("Identity", [1])}),
    "liveness": ([32, 32, 3], {"live": ("Identity", [2])}),
    "facemesh": ([192, 192, 3], {"mesh": ("Identity_2", [1404]), "face_flag": ("Identity_1", [1])}),
}

TO_NCHW, TO_NHWC = [0, 3, 1, 2], [0, 2, 3, 1]
# Attributes that do not change the result: the element and index types (checked to be float where it matters) and
# a cuDNN hint.
NEUTRAL_ATTRS = {"T", "Tidx", "Tshape", "Tpaddings", "use_cudnn_on_gpu"}
BINARY = {"Add": "Add", "AddV2": "Add", "Mul": "Mul", "Minimum": "Min", "Maximum": "Max"}
UNARY = {"Relu": "Relu", "Sigmoid": "Sigmoid"}


@dataclass
class Tensor:
    name: str  # the ONNX tensor
    shape: tuple  # the TensorFlow shape (NHWC when 4-D); None for the batch dimension
    nchw: bool = False  # a 4-D tensor stored as NCHW in ONNX

    def onnx_axis(self, tf_axis):
        return TO_NCHW.index(tf_axis) if self.nchw else tf_axis


def _check_attrs(node, handled):
    for key, value in node.attrs.items():
        if key not in handled and key not in NEUTRAL_ATTRS:
            raise GraphError(f"{node.op} {node.name}: unhandled attribute {key}={value!r}")
    if node.attrs.get("T", "DT_FLOAT") != "DT_FLOAT":
        raise GraphError(f"{node.op} {node.name}: unhandled element type {node.attrs['T']}")


def _nhwc_pair(node, key, default):
    value = node.attrs.get(key, default)
    if len(value) != 4 or value[0] != 1 or value[3] != 1:
        raise GraphError(f"{node.op} {node.name}: unhandled {key} {value}")
    return value[1:3]


def _window(node, size, kernel):
    """ONNX pads [top, left, bottom, right] and the output size of a convolution or pooling window."""
    if node.attrs.get("data_format", "NHWC") != "NHWC":
        raise GraphError(f"{node.op} {node.name}: unhandled data_format {node.attrs['data_format']}")
    strides = _nhwc_pair(node, "strides", None)
    dilations = _nhwc_pair(node, "dilations", [1, 1, 1, 1])
    padding = node.attrs["padding"]
    explicit = node.attrs.get("explicit_paddings", [])
    if (padding == "EXPLICIT") != bool(explicit):
        raise GraphError(f"{node.op} {node.name}: padding {padding} with explicit_paddings {explicit}")
    begin, end, out = [], [], []
    for axis, (n, k, s, d) in enumerate(zip(size, kernel, strides, dilations)):
        span = (k - 1) * d + 1
        if padding == "SAME":
            o = -(-n // s)
            total = max((o - 1) * s + span - n, 0)
            b, e = total // 2, total - total // 2
        elif padding == "VALID":
            b = e = 0
        elif padding == "EXPLICIT":
            b, e = explicit[2 + 2 * axis], explicit[3 + 2 * axis]
        else:
            raise GraphError(f"{node.op} {node.name}: unhandled padding {padding}")
        begin.append(b)
        end.append(e)
        out.append((n + b + e - span) // s + 1)
    return {"pads": begin + end, "strides": strides, "dilations": dilations}, out


class Converter:
    def __init__(self, graph, name):
        self.graph = graph
        self.g = GraphBuilder(name)
        self.values = {}  # TensorFlow node name -> Tensor, or a numpy array for a Const
        self.transposed = {}  # (ONNX tensor, perm) -> transposed ONNX tensor

    # --- layouts -----------------------------------------------------------------------------------------------------
    def _transpose(self, name, perm):
        key = (name, tuple(perm))
        if key not in self.transposed:
            self.transposed[key] = self.g.op("Transpose", [name], "nchw" if perm == TO_NCHW else "nhwc", perm=perm)
        return self.transposed[key]

    def nchw(self, t):
        return t.name if t.nchw else self._transpose(t.name, TO_NCHW)

    def nhwc(self, t):
        """The tensor in TensorFlow's layout."""
        return self._transpose(t.name, TO_NHWC) if t.nchw else t.name

    def laid_out_const(self, array, t):
        """A constant that broadcasts against `t` in TensorFlow's layout, rearranged for t's ONNX layout."""
        if array.ndim > len(t.shape):
            raise GraphError(f"a constant of shape {array.shape} broadcasts a tensor of shape {t.shape} up")
        if t.nchw and array.ndim > 0:
            array = array.reshape((1,) * (4 - array.ndim) + array.shape).transpose(TO_NCHW)
        return self.g.const("k", array)

    # --- inputs of a node --------------------------------------------------------------------------------------------
    def tensor(self, name):
        value = self.values[name]
        if not isinstance(value, Tensor):
            raise GraphError(f"{name} is a constant where a computed tensor is expected")
        return value

    def const(self, name, dtype=np.float32):
        value = self.values[name]
        if not isinstance(value, np.ndarray) or value.dtype != dtype:
            raise GraphError(f"{name} is not a {np.dtype(dtype).name} constant")
        return value

    # --- ops ---------------------------------------------------------------------------------------------------------
    def placeholder(self, node, input_hwc):
        _check_attrs(node, {"dtype", "shape"})
        if node.attrs["dtype"] != "DT_FLOAT" or node.attrs["shape"] != [-1] + input_hwc:
            raise GraphError(f"input {node.name}: {node.attrs['dtype']} {node.attrs['shape']}, "
                             f"expected [-1]+{input_hwc}")
        return Tensor("input", (None, *input_hwc))

    def conv(self, x, w, bias, window, depthwise):
        kh, kw, cin, m = w.shape
        if cin != x.shape[3]:
            raise GraphError(f"a filter of shape {w.shape} on a tensor of shape {x.shape}")
        if depthwise:  # HW(C)(M) -> [C*M, 1, H, W]; output channel c*M + m as in TensorFlow
            weight, group, cout = w.transpose(2, 3, 0, 1).reshape(cin * m, 1, kh, kw), cin, cin * m
        else:  # HWIO -> OIHW
            weight, group, cout = w.transpose(3, 2, 0, 1), 1, m
        if bias is not None and bias.shape != (cout,):
            raise GraphError(f"a bias of shape {bias.shape} for {cout} output channels")
        attrs, (oh, ow) = window
        inputs = [self.nchw(x), self.g.const("w", weight)] + ([] if bias is None else [self.g.const("b", bias)])
        out = self.g.op("Conv", inputs, "conv", kernel_shape=[kh, kw], group=group, **attrs)
        return Tensor(out, (None, oh, ow, cout), nchw=True)

    def op_Conv2D(self, node):
        _check_attrs(node, {"strides", "padding", "dilations", "data_format", "explicit_paddings"})
        x, w = self.tensor(node.inputs[0]), self.const(node.inputs[1])
        return self.conv(x, w, None, _window(node, x.shape[1:3], w.shape[:2]), depthwise=False)

    def op_DepthwiseConv2dNative(self, node):
        _check_attrs(node, {"strides", "padding", "dilations", "data_format", "explicit_paddings"})
        x, w = self.tensor(node.inputs[0]), self.const(node.inputs[1])
        return self.conv(x, w, None, _window(node, x.shape[1:3], w.shape[:2]), depthwise=True)

    def op__FusedConv2D(self, node):
        # epsilon is read only by a FusedBatchNorm fusion and leakyrelu_alpha only by a LeakyRelu one: both refused.
        _check_attrs(node, {"strides", "padding", "dilations", "data_format", "explicit_paddings", "fused_ops",
                            "num_args", "epsilon", "leakyrelu_alpha"})
        fused = node.attrs["fused_ops"]
        if fused not in (["BiasAdd"], ["BiasAdd", "Relu"], ["BiasAdd", "Prelu"]):
            raise GraphError(f"_FusedConv2D {node.name}: unhandled fused_ops {fused}")
        args = [self.const(name) for name in node.inputs[2:]]
        if node.attrs["num_args"] != len(args) or len(args) != 1 + fused.count("Prelu"):
            raise GraphError(f"_FusedConv2D {node.name}: num_args {node.attrs['num_args']} for {fused}")
        x, w = self.tensor(node.inputs[0]), self.const(node.inputs[1])
        y = self.conv(x, w, args[0], _window(node, x.shape[1:3], w.shape[:2]), depthwise=False)
        return self.activation(y, fused[1:], args[1:])

    def op__FusedMatMul(self, node):
        _check_attrs(node, {"transpose_a", "transpose_b", "fused_ops", "num_args", "epsilon", "leakyrelu_alpha"})
        fused = node.attrs["fused_ops"]
        if fused not in (["BiasAdd"], ["BiasAdd", "Relu"]) or node.attrs["num_args"] != 1 or len(node.inputs) != 3:
            raise GraphError(f"_FusedMatMul {node.name}: unhandled fused_ops {fused} with {len(node.inputs)} inputs")
        a, b, bias = self.tensor(node.inputs[0]), self.const(node.inputs[1]), self.const(node.inputs[2])
        trans_a, trans_b = int(node.attrs["transpose_a"]), int(node.attrs["transpose_b"])
        if len(a.shape) != 2 or trans_a or b.ndim != 2 or a.shape[1] != b.shape[trans_b]:
            raise GraphError(f"_FusedMatMul {node.name}: {a.shape} x {b.shape}, transpose_a {trans_a}")
        out = self.g.op("Gemm", [a.name, self.g.const("w", b), self.g.const("b", bias)], "gemm", transB=trans_b)
        return self.activation(Tensor(out, (None, b.shape[1 - trans_b])), fused[1:], [])

    def activation(self, t, ops, args):
        if ops == ["Relu"]:
            return Tensor(self.g.op("Relu", [t.name], "relu"), t.shape, t.nchw)
        if ops == ["Prelu"]:
            return Tensor(self.g.op("PRelu", [t.name, self.laid_out_const(args[0], t)], "prelu"), t.shape, t.nchw)
        return t

    def op_Prelu(self, node):
        _check_attrs(node, set())
        return self.activation(self.tensor(node.inputs[0]), ["Prelu"], [self.const(node.inputs[1])])

    def op_MaxPool(self, node):
        _check_attrs(node, {"ksize", "strides", "padding", "data_format", "explicit_paddings"})
        x = self.tensor(node.inputs[0])
        kernel = _nhwc_pair(node, "ksize", None)
        attrs, (oh, ow) = _window(node, x.shape[1:3], kernel)
        del attrs["dilations"]  # MaxPool has none; _window read the default [1, 1, 1, 1]
        out = self.g.op("MaxPool", [self.nchw(x)], "pool", kernel_shape=kernel, **attrs)
        return Tensor(out, (None, oh, ow, x.shape[3]), nchw=True)

    def binary(self, node):
        _check_attrs(node, set())
        a, b = (self.values[name] for name in node.inputs)
        op = BINARY[node.op]
        if isinstance(a, Tensor) and isinstance(b, Tensor):
            if a.shape != b.shape:
                raise GraphError(f"{node.op} {node.name}: shapes {a.shape} and {b.shape}")
            if a.nchw or b.nchw:
                return Tensor(self.g.op(op, [self.nchw(a), self.nchw(b)], op.lower()), a.shape, len(a.shape) == 4)
            return Tensor(self.g.op(op, [a.name, b.name], op.lower()), a.shape)
        t = a if isinstance(a, Tensor) else self.tensor(node.inputs[1])
        k = self.const(node.inputs[1] if t is a else node.inputs[0])
        if np.broadcast_shapes(tuple(1 if d is None else d for d in t.shape), k.shape) != (1, *t.shape[1:]):
            raise GraphError(f"{node.op} {node.name}: a constant of shape {k.shape} broadcasts {t.shape} up")
        inputs = [t.name, self.laid_out_const(k, t)] if t is a else [self.laid_out_const(k, t), t.name]
        return Tensor(self.g.op(op, inputs, op.lower()), t.shape, t.nchw)

    def unary(self, node):
        _check_attrs(node, set())
        t = self.tensor(node.inputs[0])
        return Tensor(self.g.op(UNARY[node.op], [t.name], node.op.lower()), t.shape, t.nchw)

    def op_Softmax(self, node):
        _check_attrs(node, set())
        t = self.tensor(node.inputs[0])
        out = self.g.op("Softmax", [t.name], "softmax", axis=t.onnx_axis(len(t.shape) - 1))
        return Tensor(out, t.shape, t.nchw)

    def op_Mean(self, node):
        _check_attrs(node, {"keep_dims"})
        t = self.tensor(node.inputs[0])
        axes = sorted(int(a) % len(t.shape) for a in self.const(node.inputs[1], np.int32).reshape(-1))
        keep = bool(node.attrs["keep_dims"])
        if 0 in axes:
            raise GraphError(f"Mean {node.name}: a mean over the batch dimension")
        kept = [a for a in (TO_NCHW if t.nchw else range(len(t.shape))) if a not in axes]
        name, nchw = t.name, t.nchw
        if nchw and not keep and kept != sorted(kept):  # the remaining axes would not be in TensorFlow's order
            name, nchw = self.nhwc(t), False
        onnx_axes = [TO_NCHW.index(a) if nchw else a for a in axes]
        out = self.g.op("ReduceMean", [name], "mean", axes=onnx_axes, keepdims=int(keep))
        if keep:
            return Tensor(out, tuple(1 if i in axes else d for i, d in enumerate(t.shape)), nchw)
        return Tensor(out, tuple(d for i, d in enumerate(t.shape) if i not in axes))

    def op_Reshape(self, node):
        _check_attrs(node, set())
        t = self.tensor(node.inputs[0])
        shape = [int(d) for d in self.const(node.inputs[1], np.int32)]
        if shape[0] != -1 or min(shape[1:]) < 1 or np.prod(shape[1:]) != np.prod(t.shape[1:]):
            raise GraphError(f"Reshape {node.name}: {t.shape} to {shape} (only the batch dimension may be -1)")
        out = self.g.op("Reshape", [self.nhwc(t), self.g.const("shape", np.array(shape, np.int64))], "reshape")
        return Tensor(out, (None, *shape[1:]))

    def op_Pad(self, node):
        _check_attrs(node, set())
        t = self.tensor(node.inputs[0])
        pads = self.const(node.inputs[1], np.int32)
        if pads.shape != (len(t.shape), 2) or pads[0].any() or pads.min() < 0:
            raise GraphError(f"Pad {node.name}: paddings {pads.tolist()} for shape {t.shape}")
        order = TO_NCHW if t.nchw else range(len(t.shape))
        onnx_pads = [int(pads[a, 0]) for a in order] + [int(pads[a, 1]) for a in order]
        out = self.g.op("Pad", [t.name, self.g.const("pads", np.array(onnx_pads, np.int64))], "pad", mode="constant")
        return Tensor(out, (None, *(d + int(pads[i].sum()) for i, d in enumerate(t.shape) if i > 0)), t.nchw)

    # --- the graph ---------------------------------------------------------------------------------------------------
    def run(self, input_hwc, outputs):
        nodes = self.graph.nodes
        for name in _order(nodes, [tf_name for tf_name, _ in outputs.values()]):
            node = nodes[name]
            if node.op == "Const":
                _check_attrs(node, {"dtype", "value"})
                self.values[name] = self.graph.consts[name]
            elif node.op == "Placeholder":
                if any(n.op == "Placeholder" for n in nodes.values() if n.name != name):
                    raise GraphError("a graph with more than one input")
                self.values[name] = self.placeholder(node, input_hwc)
            elif node.op == "Identity":
                _check_attrs(node, set())
                self.values[name] = self.values[node.inputs[0]]
            elif node.op in BINARY:
                self.values[name] = self.binary(node)
            elif node.op in UNARY:
                self.values[name] = self.unary(node)
            elif hasattr(self, "op_" + node.op):
                self.values[name] = getattr(self, "op_" + node.op)(node)
            else:
                raise GraphError(f"unhandled op {node.op} ({name})")
        infos = []
        for onnx_name, (tf_name, shape) in outputs.items():
            t = self.tensor(tf_name)
            if list(t.shape[1:]) != shape:
                raise GraphError(f"output {onnx_name} ({tf_name}) has shape {t.shape}, expected [N]+{shape}")
            self.g.op("Identity", [self.nhwc(t)], outputs=[onnx_name])
            infos.append(float_input(onnx_name, ["N", *shape]))
        return self.g.model([float_input("input", ["N", *input_hwc])], infos)


def _order(nodes, outputs):
    """The nodes the outputs depend on, each after its inputs (depth first, no recursion)."""
    order, seen = [], set()
    stack = [(name, False) for name in reversed(outputs)]
    while stack:
        name, inputs_done = stack.pop()
        if inputs_done:
            order.append(name)
        elif name not in seen:
            if name not in nodes:
                raise GraphError(f"no node named {name}")
            seen.add(name)
            stack.append((name, True))
            stack.extend((i, False) for i in reversed(nodes[name].inputs) if i not in seen)
    return order


def convert(name, model_json, weight_data):
    """Returns the ONNX model of `name` (a key of MODELS) from its model.json and weights file contents."""
    if name not in MODELS:
        raise ValueError(f"unknown model {name!r}, expected one of {sorted(MODELS)}")
    input_hwc, outputs = MODELS[name]
    return Converter(tfjs_graph.load(model_json, weight_data), name).run(input_hwc, outputs)


def main(argv):
    if len(argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    name, json_path, bin_path, out_path = argv
    with open(json_path, "rb") as j, open(bin_path, "rb") as b:
        model = convert(name, j.read(), b.read())
    with open(out_path, "wb") as f:
        f.write(serialise(model))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
