"""Benchmark P1, the anchor: the same pipeline as Argus (MTCNN → five-point alignment → dlib ResNet descriptor) in
Python with numpy and onnxruntime, on the same ONNX files and the same thread count. Written to be a fair,
vectorised implementation of the same algorithm, not a strawman.

Usage: python python_pipeline.py INPUT_DIR OUTPUT_JSON ROUNDS THREADS
"""

import io
import json
import os
import sys
import time

import numpy as np
import onnxruntime as ort
from PIL import Image

TEMPLATE = np.array([(0.22549, 0.21599), (0.75476, 0.21599), (0.49013, 0.51562), (0.25415, 0.78023),
                     (0.72610, 0.78023)], dtype=np.float32)
SAMPLE = 250
CHIP = 150


def area_matrix(n_in, n_out):
    """Averaging matrix of torch's area interpolation along one axis."""
    m = np.zeros((n_out, n_in), dtype=np.float32)
    for i in range(n_out):
        start, end = (i * n_in) // n_out, -(-((i + 1) * n_in) // n_out)
        m[i, start:end] = 1.0 / (end - start)
    return m


def area_resize(img, w, h):
    """img: float32 (H, W, 3) -> (h, w, 3)."""
    rows = area_matrix(img.shape[0], h)
    cols = area_matrix(img.shape[1], w)
    return np.einsum("ij,jkc,lk->ilc", rows, img, cols, optimize=True)


def nms(boxes, scores, thr, mode):
    plus = 1.0 if mode == "min" else 0.0
    x1, y1, x2, y2 = boxes[:, 0], boxes[:, 1], boxes[:, 2], boxes[:, 3]
    area = (x2 - x1 + plus) * (y2 - y1 + plus)
    order = np.lexsort((np.arange(len(scores)), -scores))
    keep = []
    while order.size:
        i = order[0]
        keep.append(i)
        rest = order[1:]
        iw = np.maximum(0.0, np.minimum(x2[i], x2[rest]) - np.maximum(x1[i], x1[rest]) + plus)
        ih = np.maximum(0.0, np.minimum(y2[i], y2[rest]) - np.maximum(y1[i], y1[rest]) + plus)
        inter = iw * ih
        ratio = inter / np.minimum(area[i], area[rest]) if mode == "min" else inter / (area[i] + area[rest] - inter)
        order = rest[ratio <= thr]
    return np.array(keep, dtype=np.int64)


def regress(boxes, reg, plus):
    w = boxes[:, 2] - boxes[:, 0] + plus
    h = boxes[:, 3] - boxes[:, 1] + plus
    out = boxes.copy()
    out[:, 0] += reg[:, 0] * w
    out[:, 1] += reg[:, 1] * h
    out[:, 2] += reg[:, 2] * w
    out[:, 3] += reg[:, 3] * h
    return out


def square(boxes):
    w, h = boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]
    side = np.maximum(w, h)
    out = boxes.copy()
    out[:, 0] = boxes[:, 0] + w * 0.5 - side * 0.5
    out[:, 1] = boxes[:, 1] + h * 0.5 - side * 0.5
    out[:, 2] = out[:, 0] + side
    out[:, 3] = out[:, 1] + side
    return out


def normalise(batch):
    return ((np.stack(batch) - 127.5) * 0.0078125).transpose(0, 3, 1, 2).astype(np.float32)


class Pipeline:
    def __init__(self, models_dir, threads):
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        load = lambda f: ort.InferenceSession(os.path.join(models_dir, f), opts, providers=["CPUExecutionProvider"])
        self.pnet, self.rnet, self.onet = load("mtcnn_pnet.onnx"), load("mtcnn_rnet.onnx"), load("mtcnn_onet.onnx")
        self.desc = load("dlib_resnet_v1.onnx")

    def crops(self, img, boxes, size):
        h, w = img.shape[:2]
        out, kept = [], []
        for i, b in enumerate(boxes):
            x, y = max(int(b[0]), 1), max(int(b[1]), 1)
            ex, ey = min(int(b[2]), w), min(int(b[3]), h)
            if ex < x or ey < y:
                continue
            out.append(area_resize(img[y - 1:ey, x - 1:ex], size, size))
            kept.append(i)
        return out, np.array(kept, dtype=np.int64)

    def detect(self, img):
        h, w = img.shape[:2]
        scale, min_side = 0.6, min(h, w) * 0.6
        all_boxes = []
        while min_side >= 12:
            level = area_resize(img, int(w * scale + 1), int(h * scale + 1))
            prob, reg = self.pnet.run(["prob", "reg"], {"input": normalise([level])})
            ys, xs = np.nonzero(prob[0, 1] >= 0.6)
            if len(ys):
                boxes = np.stack([np.floor((2 * xs + 1) / scale), np.floor((2 * ys + 1) / scale),
                                  np.floor((2 * xs + 12) / scale), np.floor((2 * ys + 12) / scale)], 1).astype(np.float32)
                scores = prob[0, 1, ys, xs]
                regs = reg[0][:, ys, xs].T
                keep = nms(boxes, scores, 0.5, "union")
                all_boxes.append(np.concatenate([boxes[keep], scores[keep, None], regs[keep]], 1))
            scale *= 0.709
            min_side *= 0.709
        if not all_boxes:
            return []
        c = np.concatenate(all_boxes)
        c = c[nms(c[:, :4], c[:, 4], 0.7, "union")]
        boxes = square(regress(c[:, :4], c[:, 5:9], 0.0))

        crops, kept = self.crops(img, boxes, 24)
        if not crops:
            return []
        prob, reg = self.rnet.run(["prob", "reg"], {"input": normalise(crops)})
        ok = prob[:, 1] > 0.7
        boxes, scores, reg = boxes[kept][ok], prob[ok, 1], reg[ok]
        keep = nms(boxes, scores, 0.7, "union")
        boxes = square(regress(boxes[keep], reg[keep], 1.0))

        crops, kept = self.crops(img, boxes, 48)
        if not crops:
            return []
        prob, reg, lm = self.onet.run(["prob", "reg", "landmarks"], {"input": normalise(crops)})
        ok = prob[:, 1] > 0.7
        boxes, scores, reg, lm = boxes[kept][ok], prob[ok, 1], reg[ok], lm[ok]
        bw = (boxes[:, 2] - boxes[:, 0] + 1)[:, None]
        bh = (boxes[:, 3] - boxes[:, 1] + 1)[:, None]
        points = np.stack([boxes[:, 0:1] + bw * lm[:, :5] - 1, boxes[:, 1:2] + bh * lm[:, 5:] - 1], 2)
        boxes = regress(boxes, reg, 1.0)
        keep = nms(boxes, scores, 0.7, "min")
        faces = [(boxes[i], scores[i], points[i]) for i in keep if scores[i] >= 0.95]
        faces.sort(key=lambda f: -(f[0][2] - f[0][0]) * (f[0][3] - f[0][1]))
        return faces

    @staticmethod
    def warp(img, points):
        """The same least-squares similarity and bilinear warp (black outside) as the engine."""
        src = (TEMPLATE + 0.25) / 1.5 * SAMPLE
        fs, ts = src - src.mean(0), points - points.mean(0)
        norm = (fs ** 2).sum()
        a = (fs * ts).sum() / norm
        b = (fs[:, 0] * ts[:, 1] - fs[:, 1] * ts[:, 0]).sum() / norm
        tx = points.mean(0)[0] - (a * src.mean(0)[0] - b * src.mean(0)[1])
        ty = points.mean(0)[1] - (b * src.mean(0)[0] + a * src.mean(0)[1])
        v, u = np.mgrid[0:SAMPLE, 0:SAMPLE].astype(np.float32)
        x, y = a * u - b * v + tx, b * u + a * v + ty
        x0, y0 = np.floor(x), np.floor(y)
        fx, fy = (x - x0)[..., None], (y - y0)[..., None]
        x0, y0 = x0.astype(np.int64), y0.astype(np.int64)
        h, w = img.shape[:2]
        out = np.zeros((SAMPLE, SAMPLE, 3), dtype=np.float32)
        for dy, wy in ((0, 1 - fy), (1, fy)):
            for dx, wx in ((0, 1 - fx), (1, fx)):
                px, py = x0 + dx, y0 + dy
                inside = ((px >= 0) & (py >= 0) & (px < w) & (py < h))[..., None]
                out += np.where(inside, img[py.clip(0, h - 1), px.clip(0, w - 1)], 0) * wx * wy
        return np.clip(np.round(out), 0, 255)

    def extract(self, samples):
        chips = np.stack([area_resize(s, CHIP, CHIP) for s in samples]).transpose(0, 3, 1, 2).astype(np.float32)
        d = self.desc.run(["descriptor"], {"input": chips})[0]
        return d / np.linalg.norm(d, axis=1, keepdims=True)


def run_pipeline(pipeline, data):
    """Decode, detect, warp and extract one image; the seconds of each stage and the faces found."""
    t0 = time.perf_counter()
    img = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"), dtype=np.float32)
    t1 = time.perf_counter()
    found = pipeline.detect(img)
    t2 = time.perf_counter()
    samples = [pipeline.warp(img, f[2]) for f in found]
    t3 = time.perf_counter()
    descriptors = pipeline.extract(samples) if samples else []
    t4 = time.perf_counter()
    faces = [{"box_xyxy": [float(v) for v in f[0]], "score": float(f[1]), "descriptor": [float(v) for v in d]}
             for f, d in zip(found, descriptors)]
    return np.array([t1 - t0, t2 - t1, t3 - t2, t4 - t3]), faces


def read_inputs(input_dir, extension):
    """(stem, bytes) of the files ending in the extension, sorted by name."""
    return sorted((os.path.splitext(n)[0], open(os.path.join(input_dir, n), "rb").read())
                  for n in os.listdir(input_dir) if n.endswith(extension))


def main():
    """Times the pipeline on the JPEGs; records faces from the lossless PNG copies for the agreement check."""
    input_dir, output, rounds, threads = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    models_dir = os.environ.get("ARGUS_MODELS_DIR") or os.path.expanduser("~/.cache/argus/models")
    pipeline = Pipeline(models_dir, threads)
    jpegs = read_inputs(input_dir, ".jpg")
    stages = np.zeros(4)
    started = time.perf_counter()
    for _ in range(rounds):
        for _, data in jpegs:
            stages += run_pipeline(pipeline, data)[0]
    total = time.perf_counter() - started
    faces = [[name, run_pipeline(pipeline, data)[1]] for name, data in read_inputs(input_dir, ".png")]
    n = rounds * len(jpegs)
    ms = stages * 1e3 / n
    report = {"images": len(jpegs), "rounds": rounds, "threads": threads, "images_per_second": n / total,
              "ms_per_image": dict(zip(["decode", "detect", "align", "extract"], ms.tolist())), "faces": faces}
    with open(output, "w") as f:
        json.dump(report, f, indent=1)
    print(f"python: {report['images_per_second']:.1f} images/s")


if __name__ == "__main__":
    main()
