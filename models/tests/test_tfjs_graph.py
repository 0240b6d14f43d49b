"""The TF.js graph reader decodes every weight encoding it accepts, and the converter refuses what it does not handle.

The five real models hold float32, int32 and float16-quantized weights only, so uint8/uint16 quantization is checked
here on a small hand-made model.
"""

import base64
import json

import numpy as np
import pytest

import tfjs_graph
import tfjs_to_onnx
from tfjs_graph import GraphError


def const_model(weights):
    nodes = [{"name": w["name"], "op": "Const", "attr": {"dtype": {"type": "DT_FLOAT"}}} for w in weights]
    return json.dumps({"format": "graph-model", "modelTopology": {"node": nodes},
                       "weightsManifest": [{"paths": ["w.bin"], "weights": weights}]})


def test_weights_of_every_encoding_are_decoded():
    weights = [
        {"name": "f32", "shape": [2], "dtype": "float32"},
        {"name": "i32", "shape": [], "dtype": "int32"},
        {"name": "f16", "shape": [3], "dtype": "float32",
         "quantization": {"dtype": "float16", "original_dtype": "float32"}},
        {"name": "u8", "shape": [2, 1], "dtype": "float32",
         "quantization": {"dtype": "uint8", "scale": 0.5, "min": -1}},
        {"name": "u16", "shape": [2], "dtype": "int32", "quantization": {"dtype": "uint16", "scale": 0.25, "min": 1}},
    ]
    data = (np.array([1.5, -2], "<f4").tobytes() + np.array([7], "<i4").tobytes()
            + np.array([0.1, 65504, -0.0], "<f2").tobytes() + np.array([0, 5], "u1").tobytes()
            + np.array([2, 5], "<u2").tobytes())
    graph = tfjs_graph.load(const_model(weights), data)
    np.testing.assert_array_equal(graph.consts["f32"], [1.5, -2])
    assert graph.consts["i32"].dtype == np.int32 and graph.consts["i32"].shape == () and graph.consts["i32"] == 7
    np.testing.assert_array_equal(graph.consts["f16"], np.array([0.1, 65504, 0], np.float16).astype(np.float32))
    np.testing.assert_array_equal(graph.consts["u8"], [[-1], [1.5]])
    np.testing.assert_array_equal(graph.consts["u16"], [2, 2])  # 1.5 and 2.25 rounded half up, as Math.round does
    assert graph.consts["u16"].dtype == np.int32

    with pytest.raises(GraphError, match="weights file has"):
        tfjs_graph.load(const_model(weights), data + b"\0")


def edited(human_models, name, edit):
    with open(human_models[name][0]) as f:
        model = json.load(f)
    edit(model["modelTopology"]["node"])
    with open(human_models[name][1], "rb") as f:
        return json.dumps(model), f.read()


def first(nodes, op):
    return next(n for n in nodes if n["op"] == op)


def encoded(*strings):
    return [base64.b64encode(s.encode()).decode() for s in strings]


@pytest.mark.parametrize("edit, message", [
    (lambda nodes: first(nodes, "Softmax").update(op="LogSoftmax"), "unhandled op LogSoftmax"),
    (lambda nodes: first(nodes, "_FusedConv2D")["attr"]["fused_ops"]["list"].update(s=encoded("BiasAdd", "Relu6")),
     "unhandled fused_ops"),
    (lambda nodes: first(nodes, "MaxPool")["attr"].update(data_format={"s": encoded("NCHW")[0]}),
     "unhandled data_format"),
    (lambda nodes: first(nodes, "Mean")["attr"].update(foo={"b": True}), "unhandled attribute foo"),
])
def test_converter_refuses_what_it_does_not_handle(human_models, edit, message):
    model_json, weights = edited(human_models, "emotion", edit)
    with pytest.raises(GraphError, match=message):
        tfjs_to_onnx.convert("emotion", model_json, weights)
