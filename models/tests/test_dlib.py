"""The dlib descriptor ONNX file against dlib itself (the dlib-bin wheel) on aligned chips of real photos."""

import os

import numpy as np
import onnxruntime as ort
import pytest
from PIL import Image

dlib = pytest.importorskip("dlib", reason="the dlib-bin wheel is in models/requirements.txt")

TOLERANCE = 1e-4  # measured max abs difference ≈ 3e-7


@pytest.fixture(scope="module")
def pipeline(models_dir, dlib_files):
    session = ort.InferenceSession(os.path.join(models_dir, "dlib_resnet_v1.onnx"), providers=["CPUExecutionProvider"])
    return {
        "onnx": session,
        "detector": dlib.get_frontal_face_detector(),
        "shape": dlib.shape_predictor(dlib_files["shape5"]),
        "net": dlib.face_recognition_model_v1(dlib_files["resnet"]),
    }


def descriptors(pipeline, photos_dir, name):
    img = np.array(Image.open(os.path.join(photos_dir, name)).convert("RGB"))
    faces = pipeline["detector"](img, 1)
    assert len(faces) == 1
    chip = dlib.get_face_chip(img, pipeline["shape"](img, faces[0]), 150, 0.25)
    want = np.array(pipeline["net"].compute_face_descriptor(chip), dtype=np.float32)
    got = pipeline["onnx"].run(None, {"input": chip.transpose(2, 0, 1)[None].astype(np.float32)})[0][0]
    return got, want


@pytest.mark.parametrize("name", ["obama.jpg", "obama2.jpg", "biden.jpg"])
def test_onnx_equals_dlib(pipeline, photos_dir, name):
    got, want = descriptors(pipeline, photos_dir, name)
    assert np.abs(got - want).max() < TOLERANCE


def test_same_person_close_other_person_far(pipeline, photos_dir):
    obama, _ = descriptors(pipeline, photos_dir, "obama.jpg")
    obama2, _ = descriptors(pipeline, photos_dir, "obama2.jpg")
    biden, _ = descriptors(pipeline, photos_dir, "biden.jpg")
    assert np.linalg.norm(obama - obama2) < 0.6 < np.linalg.norm(obama - biden)
