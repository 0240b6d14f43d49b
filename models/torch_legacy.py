"""Reader for PyTorch's legacy (pre-zip) serialisation, enough for facenet-pytorch's MTCNN state dicts.

The file is five pickles (magic, protocol, sys info, the state dict, the storage keys) followed by the raw
float32 storages in key order, each preceded by its int64 element count. Tensors are rebuilt with their
recorded strides, so column-major tensors come out right. Only three globals are allowed while unpickling.
"""

import collections
import pickle
import struct

import numpy as np

LEGACY_MAGIC = 0x1950A86A20F9469CFC6C


class _FloatStorage:
    """Marker for torch.FloatStorage in persistent ids."""


class _StorageRef:
    def __init__(self, key, numel):
        self.key = key
        self.numel = numel


class _TensorRef:
    def __init__(self, storage, offset, size, stride):
        self.storage = storage
        self.offset = offset
        self.size = tuple(size)
        self.stride = tuple(stride)


def _rebuild_tensor_v2(storage, offset, size, stride, *_ignored):
    return _TensorRef(storage, offset, size, stride)


class _RestrictedUnpickler(pickle.Unpickler):
    _allowed = {
        ("collections", "OrderedDict"): collections.OrderedDict,
        ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor_v2,
        ("torch", "FloatStorage"): _FloatStorage,
    }

    def find_class(self, module, name):
        try:
            return self._allowed[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(f"global {module}.{name} is not allowed") from None

    def persistent_load(self, pid):
        kind, storage_type, key, _location, numel = pid[:5]
        if kind != "storage" or storage_type is not _FloatStorage:
            raise pickle.UnpicklingError(f"unsupported persistent id {pid!r}")
        return _StorageRef(key, numel)


def load_state_dict(path):
    """Returns an ordered dict name -> float32 numpy array (C order, logical PyTorch shape)."""
    with open(path, "rb") as f:
        unpickler = _RestrictedUnpickler(f)
        magic = unpickler.load()
        if magic != LEGACY_MAGIC:
            raise ValueError(f"{path}: not a legacy torch file (magic {magic!r})")
        unpickler.load()  # protocol version
        info = unpickler.load()
        if not info.get("little_endian", False):
            raise ValueError(f"{path}: big-endian files are not supported")
        refs = unpickler.load()
        keys = unpickler.load()
        storages = {}
        for key in keys:
            (numel,) = struct.unpack("<q", f.read(8))
            data = np.frombuffer(f.read(4 * numel), dtype="<f4")
            if data.size != numel:
                raise ValueError(f"{path}: storage {key} is truncated")
            storages[key] = data
    out = collections.OrderedDict()
    for name, ref in refs.items():
        flat = storages[ref.storage.key][ref.offset:]
        strides = tuple(4 * s for s in ref.stride)
        out[name] = np.ascontiguousarray(np.lib.stride_tricks.as_strided(flat, shape=ref.size, strides=strides))
    return out
