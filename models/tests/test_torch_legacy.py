"""The restricted unpickler: real weights load with column-major strides, anything else is refused."""

import os
import pickle

import pytest

from torch_legacy import LEGACY_MAGIC, load_state_dict


class _RunsACommand:
    def __reduce__(self):
        return (os.system, ("true",))


def test_state_dict_shapes_are_logical_torch_shapes(facenet_state_dicts):
    pnet = facenet_state_dicts["pnet"]
    assert pnet["conv1.weight"].shape == (10, 3, 3, 3)
    assert pnet["prelu1.weight"].shape == (10,)
    assert facenet_state_dicts["rnet"]["dense4.weight"].shape == (128, 576)
    assert pnet["conv1.weight"].flags["C_CONTIGUOUS"]


def test_globals_outside_the_three_allowed_are_refused(tmp_path):
    path = tmp_path / "evil.pt"
    with open(path, "wb") as f:
        for item in (LEGACY_MAGIC, 1001, {"little_endian": True}, _RunsACommand()):
            pickle.dump(item, f, protocol=2)
    with pytest.raises(pickle.UnpicklingError, match="posix.system is not allowed|os.system is not allowed"):
        load_state_dict(str(path))


def test_a_file_without_the_legacy_magic_is_refused(tmp_path):
    path = tmp_path / "other.pt"
    path.write_bytes(pickle.dumps(12345, protocol=2))
    with pytest.raises(ValueError, match="not a legacy torch file"):
        load_state_dict(str(path))
