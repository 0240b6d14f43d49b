"""Reads a TensorFlow.js graph model: `model.json` (a TensorFlow GraphDef as JSON plus a weights manifest) and its
weights file, into plain nodes and numpy constants.

Weights lie in the weights file back to back, in manifest order. A weight is stored as float32 or int32, or quantized:
float16 (converted back to float32 exactly), or uint8/uint16 with `scale` and `min` (value = q * scale + min in double
precision, rounded half up for int32, as TensorFlow.js does).
"""

import base64
import json
from dataclasses import dataclass

import numpy as np


class GraphError(Exception):
    """The model file holds something this reader or the converter does not handle."""


@dataclass
class Node:
    name: str
    op: str
    inputs: list  # names of the input nodes (output 0 of each; control inputs are refused)
    attrs: dict  # attribute name -> decoded Python value


@dataclass
class Graph:
    nodes: dict  # name -> Node, in file order
    consts: dict  # name of each Const node -> numpy array
    meta: dict  # the top-level fields of model.json other than the topology and the manifest


_STORED = {"float32": "<f4", "int32": "<i4"}
_QUANTIZED = {"float16": "<f2", "uint8": "u1", "uint16": "<u2"}


def _attr(value):
    """One AttrValue of the JSON GraphDef as a Python value: bytes attrs become str, int64s (JSON strings) int."""
    if "list" in value:
        items = value["list"]
        if "s" in items:
            return [base64.b64decode(s).decode() for s in items["s"]]
        if "i" in items:
            return [int(i) for i in items["i"]]
        if "f" in items:
            return [float(f) for f in items["f"]]
        if items:
            raise GraphError(f"unhandled list attribute {value}")
        return []
    (kind, v), = value.items()
    if kind == "s":
        return base64.b64decode(v).decode()
    if kind == "i":
        return int(v)
    if kind in ("f", "b", "type"):
        return v
    if kind == "shape":
        return [int(d["size"]) for d in v.get("dim", [])]
    if kind == "tensor":
        return None  # a Const's value: it comes from the weights file
    raise GraphError(f"unhandled attribute kind {kind!r}")


def _weight(spec, data, offset):
    shape = [int(d) for d in spec["shape"]]
    count = int(np.prod(shape, dtype=np.int64))
    dtype = spec["dtype"]
    if dtype not in _STORED:
        raise GraphError(f"weight {spec['name']}: unhandled dtype {dtype}")
    quant = spec.get("quantization")
    if quant is None:
        stored = np.dtype(_STORED[dtype])
        values = np.frombuffer(data, stored, count, offset)
    else:
        if quant["dtype"] not in _QUANTIZED:
            raise GraphError(f"weight {spec['name']}: unhandled quantization {quant}")
        stored = np.dtype(_QUANTIZED[quant["dtype"]])
        raw = np.frombuffer(data, stored, count, offset)
        if quant["dtype"] == "float16":
            if dtype != "float32":
                raise GraphError(f"weight {spec['name']}: float16 quantization of {dtype}")
            values = raw.astype(np.float32)
        else:
            values = raw.astype(np.float64) * quant["scale"] + quant["min"]  # in double, as JavaScript does
            if dtype == "int32":
                values = np.floor(values + 0.5)  # Math.round
    return values.astype(_STORED[dtype]).reshape(shape), offset + count * stored.itemsize


def load(model_json, weight_data):
    """Parses model.json (bytes or str) and the concatenated weights files (bytes) into a Graph."""
    model = json.loads(model_json)
    if model.get("format") != "graph-model":
        raise GraphError(f"not a TensorFlow.js graph model (format {model.get('format')!r})")
    topology = model["modelTopology"]
    if topology.get("library", {}).get("function"):
        raise GraphError("graph functions (control flow) are not handled")
    nodes = {}
    for n in topology["node"]:
        inputs = n.get("input", [])
        if any(i.startswith("^") or ":" in i for i in inputs):
            raise GraphError(f"node {n['name']}: control inputs and outputs other than 0 are not handled: {inputs}")
        nodes[n["name"]] = Node(n["name"], n["op"], inputs, {k: _attr(v) for k, v in n.get("attr", {}).items()})

    consts, offset = {}, 0
    for group in model["weightsManifest"]:
        for spec in group["weights"]:
            consts[spec["name"]], offset = _weight(spec, weight_data, offset)
    if offset != len(weight_data):
        raise GraphError(f"the manifest describes {offset} bytes of weights, the weights file has {len(weight_data)}")
    for name, node in nodes.items():
        if node.op == "Const" and name not in consts:
            raise GraphError(f"Const node {name} has no weight in the manifest")
    meta = {k: v for k, v in model.items() if k not in ("modelTopology", "weightsManifest")}
    return Graph(nodes, consts, meta)
