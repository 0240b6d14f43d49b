"""Benchmark E1, the anchor: the four attribute estimators of Argus in Python with numpy and onnxruntime, on the
same ONNX files, the same face samples (PNG, written by `e1-argus`) and the same thread count: area-resize to each
network's side, the network, and the same reading of its outputs (head pose from the mesh's eye and
forehead-chin axes, the predominant emotion, the expected age, the male probability, the "live" class).

Usage: python python_estimators.py WORK_DIR ROUNDS THREADS   (reads WORK_DIR/samples, writes WORK_DIR/python.json)
"""

import json
import os
import sys
import time

import numpy as np
import onnxruntime as ort
from PIL import Image

from python_pipeline import area_matrix

BATCH = 16
EMOTIONS = ["anger", "disgust", "fear", "happiness", "sadness", "surprise", "neutral"]


def resized(samples, side):
    """(N, H, W, 3) float32 -> (N, side, side, 3), area interpolation."""
    rows = area_matrix(samples.shape[1], side)
    cols = area_matrix(samples.shape[2], side)
    return np.einsum("ij,njkc,lk->nilc", rows, samples, cols, optimize=True).astype(np.float32)


def unit(v):
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def head_pose(mesh):
    m = mesh.reshape(len(mesh), 468, 3)
    x = unit(m[:, 263] - m[:, 33])
    down = m[:, 152] - m[:, 10]
    y = unit(down - np.sum(down * x, axis=1, keepdims=True) * x)
    return np.stack([np.degrees(np.arcsin(np.clip(x[:, 2], -1, 1))),
                     np.degrees(np.arcsin(np.clip(-y[:, 2], -1, 1))),
                     np.degrees(np.arctan2(x[:, 1], x[:, 0]))], axis=1)


class Estimators:
    def __init__(self, models_dir, threads):
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1

        def session(name):
            return ort.InferenceSession(os.path.join(models_dir, name), options, providers=["CPUExecutionProvider"])

        self.mesh = session("facemesh.onnx")
        self.emotion = session("emotion.onnx")
        self.faceres = session("faceres.onnx")
        self.liveness = session("liveness.onnx")

    def head_pose(self, samples):
        mesh = self.mesh.run(["mesh"], {"input": resized(samples, 192) / 255.0})[0]
        return head_pose(mesh)

    def emotions(self, samples):
        rgb = resized(samples, 64)
        grey = (0.2989 * rgb[..., 0] + 0.5870 * rgb[..., 1] + 0.1140 * rgb[..., 2]) / 255.0
        out = self.emotion.run(["emotions"], {"input": ((grey - 0.5) * 2.0)[..., None].astype(np.float32)})[0]
        return [EMOTIONS[i] for i in out.argmax(axis=1)]

    def basic_attributes(self, samples):
        gender, age = self.faceres.run(["gender", "age"], {"input": resized(samples, 224)})
        years = (age * np.arange(age.shape[1], dtype=np.float32)).sum(axis=1) / age.sum(axis=1)
        return np.stack([years, gender[:, 0]], axis=1)

    def live(self, samples):
        return self.liveness.run(["live"], {"input": resized(samples, 32) / 255.0})[0][:, 0]


def ms_per_face(run, calls, rounds):
    run(calls[0])
    started, faces = time.perf_counter(), 0
    for _ in range(rounds):
        for call in calls:
            run(call)
            faces += len(call)
    return (time.perf_counter() - started) * 1e3 / faces


def main():
    work, rounds, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    models_dir = os.environ.get("ARGUS_MODELS_DIR", os.path.expanduser("~/.cache/argus/models"))
    names = sorted(os.listdir(os.path.join(work, "samples")))
    samples = np.stack([np.asarray(Image.open(os.path.join(work, "samples", n)).convert("RGB"), dtype=np.float32)
                        for n in names])
    e = Estimators(models_dir, threads)
    batch = samples[np.arange(BATCH) % len(samples)]
    singles = [batch[i:i + 1] for i in range(BATCH)]
    timings = {}
    for name, run in (("head_pose", e.head_pose), ("emotions", e.emotions),
                      ("basic_attributes", e.basic_attributes), ("liveness", e.live)):
        timings[name] = {"unbatched_ms_per_face": ms_per_face(run, singles, rounds),
                         "batched_ms_per_face": ms_per_face(run, [batch], rounds)}
        print(f"python {name}: {timings[name]['unbatched_ms_per_face']:.2f} ms/face unbatched, "
              f"{timings[name]['batched_ms_per_face']:.2f} ms/face batched", flush=True)
    pose, emotions, basic, live = (e.head_pose(samples), e.emotions(samples), e.basic_attributes(samples),
                                   e.live(samples))
    estimates = {}
    for i, n in enumerate(names):
        estimates[n.removesuffix(".png")] = {
            "yaw": float(pose[i, 0]), "pitch": float(pose[i, 1]), "roll": float(pose[i, 2]),
            "emotion": emotions[i], "age": float(basic[i, 0]), "gender": float(basic[i, 1]), "live": float(live[i])}
    with open(os.path.join(work, "python.json"), "w") as f:
        json.dump({"threads": threads, "rounds": rounds, "batch": BATCH, "estimators": timings,
                   "estimates": estimates}, f, indent=2)


if __name__ == "__main__":
    main()
