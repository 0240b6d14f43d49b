"""The five ONNX files converted from TensorFlow.js graph models, against TensorFlow.js itself, on face crops of the
test photos.

The reference is the pure-JavaScript `@tensorflow/tfjs` (CPU backend), run by tfjs_reference.js under node on the
original model.json and weights. npm installs it into ~/.cache/argus/tfjs ($ARGUS_TFJS_DIR) on first use. node and
npm are part of the toolchain: without them these tests fail.
"""

import json
import os
import shutil
import subprocess

import numpy as np
import onnxruntime as ort
import pytest
from PIL import Image

from tfjs_to_onnx import MODELS

TFJS_VERSION = "4.22.0"
TFJS_DIR = os.environ.get("ARGUS_TFJS_DIR") or os.path.join(os.path.expanduser("~"), ".cache", "argus", "tfjs")
REFERENCE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tfjs_reference.js")

# Probabilities: max abs difference. The descriptor and the mesh (unbounded): max abs difference / max abs value.
# Both are float32 summation-order differences; the measured maxima are ≈ 1e-6.
TOLERANCE = 1e-4
RELATIVE = {"descriptor", "mesh"}

# photo -> square face crop (left, top, right, bottom): dlib's face box widened 1.4 times around its centre
CROPS = {"obama.jpg": (315, 85, 675, 445), "grace_hopper.jpg": (118, 70, 418, 370)}


def rgb(img):
    return np.asarray(img, dtype=np.float32)


def grey_centred(img):
    r, g, b = np.moveaxis(rgb(img) / 255, 2, 0)
    return ((0.2989 * r + 0.587 * g + 0.114 * b - 0.5) * 2)[..., None]


PREPROCESS = {  # the value range each model was trained on
    "emotion": grey_centred,
    "faceres": rgb,
    "antispoof": lambda img: rgb(img) / 255,
    "liveness": lambda img: rgb(img) / 255,
    "facemesh": lambda img: rgb(img) / 255,
}


def face_batch(photos_dir, name):
    size = MODELS[name][0][:2]
    crops = []
    for photo, box in CROPS.items():
        img = Image.open(os.path.join(photos_dir, photo)).convert("RGB").crop(box).resize(size[::-1], Image.BILINEAR)
        crops.append(PREPROCESS[name](img).astype(np.float32))
    return np.stack(crops)


@pytest.fixture(scope="session")
def tfjs_dir():
    for tool in ("node", "npm"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is not installed: the TensorFlow.js reference runs under node, installed by npm")
    package = os.path.join(TFJS_DIR, "node_modules", "@tensorflow", "tfjs", "package.json")
    if not os.path.exists(package) or json.load(open(package))["version"] != TFJS_VERSION:
        result = subprocess.run(["npm", "install", "--no-save", "--no-audit", "--no-fund", "--prefix", TFJS_DIR,
                                 f"@tensorflow/tfjs@{TFJS_VERSION}"], capture_output=True, text=True, timeout=600)
        if result.returncode != 0:
            pytest.fail(f"npm could not install @tensorflow/tfjs@{TFJS_VERSION}: {result.stderr.strip()[-1000:]}")
    return TFJS_DIR


def tfjs_outputs(tfjs_dir, files, x, nodes, tmp_path):
    x.tofile(tmp_path / "input.bin")
    request = {"tfjs": tfjs_dir, "model": files[0], "weights": files[1], "input": str(tmp_path / "input.bin"),
               "shape": list(x.shape), "outputs": nodes, "out": str(tmp_path / "out.json")}
    (tmp_path / "request.json").write_text(json.dumps(request))
    result = subprocess.run(["node", REFERENCE, str(tmp_path / "request.json")], capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    out = json.loads((tmp_path / "out.json").read_text())
    return {node: np.array(out[node]["data"], np.float32).reshape(out[node]["shape"]) for node in nodes}


def onnx_outputs(models_dir, name, x):
    session = ort.InferenceSession(os.path.join(models_dir, f"{name}.onnx"), providers=["CPUExecutionProvider"])
    return dict(zip([o.name for o in session.get_outputs()], session.run(None, {"input": x})))


def difference(output, got, want):
    diff = float(np.abs(got - want).max())
    return diff / float(np.abs(want).max()) if output in RELATIVE else diff


@pytest.mark.parametrize("name", sorted(MODELS))
def test_onnx_matches_tfjs_on_face_crops(name, models_dir, photos_dir, human_models, tfjs_dir, tmp_path):
    x = face_batch(photos_dir, name)
    outputs = MODELS[name][1]
    want = tfjs_outputs(tfjs_dir, human_models[name], x, [node for node, _ in outputs.values()], tmp_path)
    got = onnx_outputs(models_dir, name, x)
    assert sorted(got) == sorted(outputs)
    for output, (node, shape) in outputs.items():
        assert got[output].shape == want[node].shape == (len(CROPS), *shape), output
        diff = difference(output, got[output], want[node])
        assert diff <= TOLERANCE, (output, diff)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_batch_of_two_equals_two_batches_of_one(name, models_dir, photos_dir):
    x = face_batch(photos_dir, name)
    both = onnx_outputs(models_dir, name, x)
    for i in range(len(x)):
        alone = onnx_outputs(models_dir, name, x[i:i + 1])
        for output in both:
            assert difference(output, both[output][i:i + 1], alone[output]) <= 1e-5, (output, i)


def test_outputs_mean_what_the_contract_says(models_dir, photos_dir):
    emotions = onnx_outputs(models_dir, "emotion", face_batch(photos_dir, "emotion"))["emotions"]
    np.testing.assert_allclose(emotions.sum(axis=1), 1, atol=1e-5)
    faceres = onnx_outputs(models_dir, "faceres", face_batch(photos_dir, "faceres"))
    np.testing.assert_allclose(faceres["age"].sum(axis=1), 1, atol=1e-5)
    mesh = onnx_outputs(models_dir, "facemesh", face_batch(photos_dir, "facemesh"))
    assert (mesh["face_flag"] > 0.5).all()
    points = mesh["mesh"].reshape(len(CROPS), 468, 3)
    assert (points[..., :2] > 0).all() and (points[..., :2] < 192).all()  # x, y in pixels of the 192×192 input
