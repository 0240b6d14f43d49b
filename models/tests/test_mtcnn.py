"""The MTCNN ONNX files against an independent numpy forward pass of the original state dicts, on obama.jpg.

torch itself is too large to install for CI, so the reference is written here from the layer definitions of
facenet-pytorch (conv, PReLU, ceil-mode max pool, dense on the (W,H,C)-flattened map).
"""

import os

import numpy as np
import onnxruntime as ort
import pytest
from PIL import Image

TOLERANCE = 1e-4  # float32 accumulation order differs between numpy and ORT; measured max ≈ 1e-6


def conv(x, w, b):
    n, c, h, wd = x.shape
    f, _, kh, kw = w.shape
    cols = np.lib.stride_tricks.sliding_window_view(x, (kh, kw), axis=(2, 3))  # n,c,oh,ow,kh,kw
    return np.einsum("nchwij,fcij->nfhw", cols, w, optimize=True) + b[None, :, None, None]


def prelu(x, a):
    shape = (1, -1, 1, 1) if x.ndim == 4 else (1, -1)
    return np.where(x > 0, x, x * a.reshape(shape))


def maxpool_ceil(x, k, s):
    n, c, h, w = x.shape
    oh, ow = -(-(h - k) // s) + 1, -(-(w - k) // s) + 1
    padded = np.full((n, c, (oh - 1) * s + k, (ow - 1) * s + k), -np.inf, dtype=x.dtype)
    padded[:, :, :h, :w] = x
    out = np.full((n, c, oh, ow), -np.inf, dtype=x.dtype)
    for i in range(k):
        for j in range(k):
            out = np.maximum(out, padded[:, :, i:i + (oh - 1) * s + 1:s, j:j + (ow - 1) * s + 1:s])
    return out


def softmax1(x):
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def dense(x, sd, name):
    return x @ sd[f"{name}.weight"].T + sd[f"{name}.bias"]


def flatten_whc(x):
    return x.transpose(0, 3, 2, 1).reshape(x.shape[0], -1)


def stage(x, sd, c, p):
    return prelu(conv(x, sd[f"{c}.weight"], sd[f"{c}.bias"]), sd[f"{p}.weight"])


def pnet_ref(sd, x):
    x = maxpool_ceil(stage(x, sd, "conv1", "prelu1"), 2, 2)
    x = stage(stage(x, sd, "conv2", "prelu2"), sd, "conv3", "prelu3")
    return {"prob": softmax1(conv(x, sd["conv4_1.weight"], sd["conv4_1.bias"])),
            "reg": conv(x, sd["conv4_2.weight"], sd["conv4_2.bias"])}


def rnet_ref(sd, x):
    x = maxpool_ceil(stage(x, sd, "conv1", "prelu1"), 3, 2)
    x = maxpool_ceil(stage(x, sd, "conv2", "prelu2"), 3, 2)
    x = flatten_whc(stage(x, sd, "conv3", "prelu3"))
    x = prelu(dense(x, sd, "dense4"), sd["prelu4.weight"])
    return {"prob": softmax1(dense(x, sd, "dense5_1")), "reg": dense(x, sd, "dense5_2")}


def onet_ref(sd, x):
    x = maxpool_ceil(stage(x, sd, "conv1", "prelu1"), 3, 2)
    x = maxpool_ceil(stage(x, sd, "conv2", "prelu2"), 3, 2)
    x = maxpool_ceil(stage(x, sd, "conv3", "prelu3"), 2, 2)
    x = flatten_whc(stage(x, sd, "conv4", "prelu4"))
    x = prelu(dense(x, sd, "dense5"), sd["prelu5.weight"])
    return {"prob": softmax1(dense(x, sd, "dense6_1")), "reg": dense(x, sd, "dense6_2"),
            "landmarks": dense(x, sd, "dense6_3")}


def normalised(img):
    return ((np.asarray(img, dtype=np.float32) - 127.5) * 0.0078125).transpose(2, 0, 1)[None]


@pytest.fixture(scope="module")
def obama(photos_dir):
    return Image.open(os.path.join(photos_dir, "obama.jpg")).convert("RGB")


def compare(models_dir, file_name, ref, x):
    session = ort.InferenceSession(os.path.join(models_dir, file_name), providers=["CPUExecutionProvider"])
    got = dict(zip([o.name for o in session.get_outputs()], session.run(None, {"input": x.astype(np.float32)})))
    assert set(got) == set(ref)
    for name, want in ref.items():
        assert got[name].shape == want.shape, name
        assert np.abs(got[name] - want).max() < TOLERANCE, (file_name, name, np.abs(got[name] - want).max())
    return got


def test_pnet_matches_reference_on_a_pyramid_level(models_dir, facenet_state_dicts, obama):
    x = normalised(obama.resize((137, 171)))  # odd sizes exercise ceil-mode pooling
    got = compare(models_dir, "mtcnn_pnet.onnx", pnet_ref(facenet_state_dicts["pnet"], x), x)
    assert got["prob"][0, 1].max() > 0.9  # the face is found at this scale


def test_rnet_matches_reference_on_face_and_background(models_dir, facenet_state_dicts, obama):
    face = obama.crop((367, 79, 616, 428)).resize((24, 24))
    background = obama.crop((0, 800, 200, 1000)).resize((24, 24))
    x = np.concatenate([normalised(face), normalised(background)])
    got = compare(models_dir, "mtcnn_rnet.onnx", rnet_ref(facenet_state_dicts["rnet"], x), x)
    assert got["prob"][0, 1] > 0.9 > got["prob"][1, 1]


def test_onet_matches_reference_and_places_landmarks(models_dir, facenet_state_dicts, obama):
    x = normalised(obama.crop((367, 79, 616, 428)).resize((48, 48)))
    got = compare(models_dir, "mtcnn_onet.onnx", onet_ref(facenet_state_dicts["onet"], x), x)
    assert got["prob"][0, 1] > 0.95
    xs, ys = got["landmarks"][0, :5], got["landmarks"][0, 5:]
    assert xs[0] < xs[1] and xs[3] < xs[4]  # left eye/mouth corner left of right ones
    assert ys[0] < ys[2] < ys[3]  # eyes above nose above mouth
