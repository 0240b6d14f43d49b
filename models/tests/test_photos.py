"""The test photos: pinned checksums, and the face count in the manifest agrees with dlib's own face detector."""

import json
import os

import numpy as np
import pytest
from PIL import Image

import sources
from fetch import sha256_file

dlib = pytest.importorskip("dlib", reason="the dlib-bin wheel is in models/requirements.txt")


@pytest.fixture(scope="module")
def manifest(photos_dir):
    with open(os.path.join(photos_dir, "manifest.json")) as f:
        return json.load(f)["photos"]


def test_manifest_lists_every_pinned_photo(manifest, photos_dir):
    assert set(manifest) == set(sources.PHOTOS)
    for name, entry in manifest.items():
        assert sha256_file(os.path.join(photos_dir, name)) == entry["sha256"] == sources.PHOTOS[name][2]


@pytest.mark.parametrize("name", sorted(sources.PHOTOS))
def test_face_count_matches_dlib_detector(manifest, photos_dir, name):
    # Upsampling 0: at upsampling 1 dlib's HOG detector also fires weakly (score 0.12) on astronaut.png's mission patch.
    img = np.array(Image.open(os.path.join(photos_dir, name)).convert("RGB"))
    assert len(dlib.get_frontal_face_detector()(img, 0)) == manifest[name]["faces"]
