"""A small helper for writing ONNX graphs deterministically (fixed opset, producer, no timestamps)."""

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17
PRODUCER = "argus-models"
PRODUCER_VERSION = "1"


class GraphBuilder:
    """Accumulates nodes and initializers; names are generated in a fixed order so output bytes are stable."""

    def __init__(self, name):
        self.name = name
        self.nodes = []
        self.initializers = []
        self._counter = 0

    def fresh(self, hint):
        self._counter += 1
        return f"{hint}_{self._counter}"

    def const(self, hint, array):
        name = self.fresh(hint)
        self.initializers.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def op(self, op_type, inputs, hint=None, outputs=None, **attrs):
        outs = outputs or [self.fresh(hint or op_type.lower())]
        self.nodes.append(helper.make_node(op_type, inputs, outs, name=self.fresh("n_" + op_type.lower()), **attrs))
        return outs[0] if len(outs) == 1 else outs

    def conv(self, x, weight, bias, stride=1, pad=0):
        w = self.const("w", weight.astype(np.float32))
        b = self.const("b", bias.astype(np.float32))
        kh, kw = weight.shape[2], weight.shape[3]
        return self.op("Conv", [x, w, b], "conv", kernel_shape=[kh, kw], strides=[stride, stride], pads=[pad, pad, pad, pad])

    def prelu(self, x, slope, spatial):
        shape = (-1, 1, 1) if spatial else (-1,)
        return self.op("PRelu", [x, self.const("slope", slope.astype(np.float32).reshape(shape))], "prelu")

    def gemm(self, x, weight, bias):
        """torch Linear: y = x W^T + b."""
        return self.op("Gemm", [x, self.const("w", weight.astype(np.float32)), self.const("b", bias.astype(np.float32))],
                       "gemm", transB=1)

    def model(self, inputs, outputs):
        graph = helper.make_graph(self.nodes, self.name, inputs, outputs, self.initializers)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                                  producer_name=PRODUCER, producer_version=PRODUCER_VERSION)
        model.ir_version = 8
        onnx.checker.check_model(model)
        return model


def float_input(name, shape):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)


def serialise(model):
    """The model's bytes; a model built the same way always serialises to the same bytes."""
    return model.SerializeToString(deterministic=True)
