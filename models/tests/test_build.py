"""The build script: idempotent, and a corrupted cached model is detected and rebuilt."""

import os
import shutil
import subprocess
import sys

from argus_models import sources
from argus_models.fetch import sha256_file

BUILD = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "build.py")


def run_build(models_dir, photos_dir):
    return subprocess.run([sys.executable, BUILD, "--models-dir", str(models_dir), "--photos-dir", str(photos_dir)],
                          capture_output=True, text=True, timeout=300)


def test_corrupted_model_is_rebuilt_and_second_run_only_verifies(models_dir, photos_dir, tmp_path):
    models, photos = tmp_path / "models", tmp_path / "photos"
    shutil.copytree(models_dir, models)
    shutil.copytree(photos_dir, photos)
    with open(models / "mtcnn_rnet.onnx", "r+b") as f:
        f.seek(1000)
        f.write(b"\x00\x01\x02\x03")
    (photos / "biden.jpg").unlink()

    first = run_build(models, photos)
    assert first.returncode == 0, first.stderr
    assert "converting mtcnn_rnet.onnx" in first.stdout
    assert "fetching photo biden.jpg" in first.stdout
    for name, want in sources.ONNX_OUTPUTS.items():
        assert sha256_file(str(models / name)) == want

    second = run_build(models, photos)
    assert second.returncode == 0, second.stderr
    assert "converting" not in second.stdout and "fetching" not in second.stdout
