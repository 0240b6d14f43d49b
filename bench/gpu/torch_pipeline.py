"""Benchmark P2, the PyTorch anchor: the same pipeline as Argus (MTCNN -> five-point alignment -> dlib ResNet
descriptor) with PyTorch on the GPU (CUDA when there is one, else the CPU). Detection is facenet-pytorch's own MTCNN
(`facenet_pytorch.MTCNN`, the package the detection weights come from); the descriptor network is `DlibResNet` below,
the dlib ResNet written as a torch module whose weights are read from our `dlib_resnet_v1.onnx`. JPEGs are decoded
by torchvision (nvJPEG on CUDA), alignment and the chip resize are torch ops on the device.

Owns: the torch pipeline and its report, in the schema of `p2-argus` (batch-1 latency percentiles, images/s and
faces/s, batched throughput, the faces of the lossless `*.png` copies for `p2_compare.py`, peak torch memory).

Usage: python torch_pipeline.py --inputs DIR --out JSON [--device cuda|cpu] [--rounds N] [--warmup N]
       [--threads N] [--batch N]     (--batch 0 skips the batched run)
"""

import argparse
import json
import os
import sys
import time

import numpy as np

try:
    import onnx
    import torch
    import torch.nn.functional as F
    import torchvision.io
    from onnx import numpy_helper
    from facenet_pytorch import MTCNN
except ImportError as missing:
    sys.exit(f"torch_pipeline: {missing}: P2's PyTorch side needs torch, torchvision, facenet-pytorch and onnx "
             "(see bench/gpu/README.md, P2)")

TEMPLATE = [(0.22549, 0.21599), (0.75476, 0.21599), (0.49013, 0.51562), (0.25415, 0.78023), (0.72610, 0.78023)]
SAMPLE = 250
CHIP = 150
SCORE_THRESHOLD = 0.95


class Block(torch.nn.Module):
    """conv, relu, conv, plus the block input (average-pooled when the block downsamples), relu. Uneven sums are
    zero-padded at the end of each axis first, as dlib does."""

    def __init__(self, conv1, conv2, pooled):
        super().__init__()
        self.conv1, self.conv2 = conv1, conv2
        self.pool = torch.nn.AvgPool2d(2, 2) if pooled else None

    def forward(self, x):
        y = self.conv2(torch.relu(self.conv1(x)))
        skip = self.pool(x) if self.pool is not None else x
        return torch.relu(pad_to(y, skip.shape) + pad_to(skip, y.shape))


def pad_to(x, other_shape):
    """x zero-padded at the end of the channel, height and width axes up to the larger of both shapes."""
    extra = [max(0, o - s) for s, o in zip(x.shape[1:], other_shape[1:])]
    if not any(extra):
        return x
    c, h, w = extra
    return F.pad(x, (0, w, 0, h, 0, c))


class DlibResNet(torch.nn.Module):
    """dlib's face recognition ResNet (dlib_face_recognition_resnet_model_v1): input [N,3,150,150] RGB 0..255, output
    the 128-d descriptor, not normalised. Layout: mean subtraction and /256, a 7x7/2 conv, relu, 3x3/2 max pool,
    residual blocks, global average pool, a bias-free linear layer. The affine layers are already folded into the
    convolutions in the ONNX file, so each conv carries a bias."""

    def __init__(self, onnx_path):
        super().__init__()
        graph = onnx.load(onnx_path).graph
        weights = {t.name: torch.from_numpy(numpy_helper.to_array(t).copy()) for t in graph.initializer}
        nodes = list(graph.node)
        ops = [n.op_type for n in nodes]
        if ops[:5] != ["Sub", "Mul", "Conv", "Relu", "MaxPool"] or ops[-3:] != ["GlobalAveragePool", "Flatten",
                                                                                 "MatMul"]:
            raise ValueError(f"{onnx_path}: not the dlib ResNet layout this module ports")
        self.register_buffer("mean", weights[nodes[0].input[1]].reshape(1, 3, 1, 1))
        self.scale = float(weights[nodes[1].input[1]])
        convs = [n for n in nodes if n.op_type == "Conv"]
        pooled_inputs = {n.input[0] for n in nodes if n.op_type == "AveragePool"}
        self.stem = self._conv(convs[0], weights)
        pool = next(n for n in nodes if n.op_type == "MaxPool")
        self.max_pool = torch.nn.MaxPool2d(self._attr(pool, "kernel_shape")[0], self._attr(pool, "strides")[0])
        if len(convs[1:]) % 2:
            raise ValueError(f"{onnx_path}: an odd number of block convolutions")
        self.blocks = torch.nn.Sequential(*[
            Block(self._conv(first, weights), self._conv(second, weights), first.input[0] in pooled_inputs)
            for first, second in zip(convs[1::2], convs[2::2])])
        fc = weights[nodes[-1].input[1]]
        self.fc = torch.nn.Linear(fc.shape[0], fc.shape[1], bias=False)
        self.fc.weight.data.copy_(fc.T)

    @staticmethod
    def _attr(node, name):
        return next(list(a.ints) for a in node.attribute if a.name == name)

    @classmethod
    def _conv(cls, node, weights):
        w, b = weights[node.input[1]], weights[node.input[2]]
        pads, strides = cls._attr(node, "pads"), cls._attr(node, "strides")
        if pads[0] != pads[2] or pads[1] != pads[3]:
            raise ValueError("uneven convolution padding")
        conv = torch.nn.Conv2d(w.shape[1], w.shape[0], tuple(w.shape[2:]), stride=tuple(strides),
                               padding=(pads[0], pads[1]))
        conv.weight.data.copy_(w)
        conv.bias.data.copy_(b)
        return conv

    def forward(self, chips):
        x = (chips - self.mean) * self.scale
        x = self.max_pool(torch.relu(self.stem(x)))
        x = self.blocks(x)
        return self.fc(x.mean(dim=(2, 3)))


class Pipeline:
    """facenet-pytorch MTCNN + the same similarity alignment as the engine + DlibResNet, on one device."""

    def __init__(self, models_dir, device):
        self.device = torch.device(device)
        # facenet-pytorch's defaults (min face 20, thresholds 0.6/0.7/0.7, factor 0.709), all faces, largest first.
        self.mtcnn = MTCNN(keep_all=True, select_largest=True, post_process=False, device=self.device)
        self.descriptor = DlibResNet(os.path.join(models_dir, "dlib_resnet_v1.onnx")).to(self.device).eval()
        template = torch.tensor(TEMPLATE, dtype=torch.float32, device=self.device)
        self.src = (template + 0.25) / 1.5 * SAMPLE
        v, u = torch.meshgrid(torch.arange(SAMPLE, dtype=torch.float32, device=self.device),
                              torch.arange(SAMPLE, dtype=torch.float32, device=self.device), indexing="ij")
        self.u, self.v = u, v

    def decode(self, data):
        """JPEG or PNG bytes -> float32 (H, W, 3) RGB on the device; JPEGs through nvJPEG on CUDA."""
        raw = torch.frombuffer(bytearray(data), dtype=torch.uint8)
        if self.device.type == "cuda" and data[:2] == b"\xff\xd8":
            chw = torchvision.io.decode_jpeg(raw, mode=torchvision.io.ImageReadMode.RGB, device=self.device)
        else:
            chw = torchvision.io.decode_image(raw, mode=torchvision.io.ImageReadMode.RGB).to(self.device)
        return chw.permute(1, 2, 0).float()

    def detect(self, images):
        """MTCNN on a batch of same-size (H, W, 3) images; per image (boxes [F,4], scores [F], points [F,5,2]) as
        numpy (facenet-pytorch returns them on the host), O-Net score >= 0.95, largest first."""
        batch = torch.stack(images)
        boxes, probs, points = self.mtcnn.detect(batch, landmarks=True)
        found = []
        for b, p, pts in zip(boxes, probs, points):
            if b is None:
                found.append((np.zeros((0, 4), np.float32), np.zeros(0, np.float32), np.zeros((0, 5, 2), np.float32)))
                continue
            p = np.asarray(p, dtype=np.float32)
            keep = p >= SCORE_THRESHOLD
            found.append((np.asarray(b, np.float32)[keep], p[keep], np.asarray(pts, np.float32)[keep]))
        return found

    def warp(self, image, points):
        """The 250x250 aligned samples [F, 3, 250, 250] of one image: least-squares similarity from the template to
        the five points, bilinear sampling with black outside, rounded to 0..255 (the engine's `align::warp`)."""
        pts = torch.as_tensor(points, device=self.device)
        fs = self.src - self.src.mean(0)
        ts = pts - pts.mean(1, keepdim=True)
        norm = (fs ** 2).sum()
        a = (fs * ts).sum((1, 2)) / norm
        b = (fs[:, 0] * ts[:, :, 1] - fs[:, 1] * ts[:, :, 0]).sum(1) / norm
        sm, pm = self.src.mean(0), pts.mean(1)
        tx = pm[:, 0] - (a * sm[0] - b * sm[1])
        ty = pm[:, 1] - (b * sm[0] + a * sm[1])
        a, b, tx, ty = (t[:, None, None] for t in (a, b, tx, ty))
        x = a * self.u - b * self.v + tx
        y = b * self.u + a * self.v + ty
        x0, y0 = torch.floor(x), torch.floor(y)
        fx, fy = (x - x0)[..., None], (y - y0)[..., None]
        x0, y0 = x0.long(), y0.long()
        h, w = image.shape[:2]
        flat = image.reshape(-1, 3)
        out = torch.zeros(pts.shape[0], SAMPLE, SAMPLE, 3, device=self.device)
        for dy, wy in ((0, 1 - fy), (1, fy)):
            for dx, wx in ((0, 1 - fx), (1, fx)):
                px, py = x0 + dx, y0 + dy
                inside = ((px >= 0) & (py >= 0) & (px < w) & (py < h))[..., None]
                values = flat[py.clamp(0, h - 1) * w + px.clamp(0, w - 1)]
                out += torch.where(inside, values, torch.zeros((), device=self.device)) * wx * wy
        return out.round().clamp(0, 255).permute(0, 3, 1, 2)

    def extract(self, samples):
        """Unit-length descriptors [F, 128] of aligned samples; the 150x150 chip is torch's area resize."""
        chips = F.interpolate(samples, size=(CHIP, CHIP), mode="area")
        d = self.descriptor(chips)
        return d / d.norm(dim=1, keepdim=True)

    @torch.no_grad()
    def run(self, datas):
        """Bytes of same-size images -> per image a list of (box, score, descriptor) on the host."""
        images = [self.decode(d) for d in datas]
        found = self.detect(images)
        samples = [self.warp(img, pts) for img, (_, _, pts) in zip(images, found) if len(pts)]
        descriptors = self.extract(torch.cat(samples)).cpu().numpy() if samples else np.zeros((0, 128))
        results, start = [], 0
        for boxes, scores, _ in found:
            results.append(list(zip(boxes, scores, descriptors[start:start + len(boxes)])))
            start += len(boxes)
        return results


def synchronize(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def read_inputs(input_dir, extension):
    """(stem, bytes) of the files ending in the extension, sorted by name."""
    names = sorted(n for n in os.listdir(input_dir) if n.endswith(extension))
    if not names:
        sys.exit(f"torch_pipeline: no {extension} files in {input_dir}")
    out = []
    for n in names:
        with open(os.path.join(input_dir, n), "rb") as f:
            out.append((os.path.splitext(n)[0], f.read()))
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--inputs", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--batch", type=int, default=32)
    args = parser.parse_args()
    if args.device == "cuda" and not torch.cuda.is_available():
        sys.exit("torch_pipeline: --device cuda but torch sees no CUDA device")
    torch.set_num_threads(max(1, args.threads))
    models_dir = os.environ.get("ARGUS_MODELS_DIR") or os.path.expanduser("~/.cache/argus/models")
    pipeline = Pipeline(models_dir, args.device)
    device = pipeline.device
    jpegs = [data for _, data in read_inputs(args.inputs, ".jpg")]

    for _ in range(max(0, args.warmup)):
        for data in jpegs:
            pipeline.run([data])
    synchronize(device)
    latencies, faces = [], 0
    started = time.perf_counter()
    for _ in range(max(1, args.rounds)):
        for data in jpegs:
            t = time.perf_counter()
            faces += len(pipeline.run([data])[0])
            synchronize(device)
            latencies.append(time.perf_counter() - t)
    total = time.perf_counter() - started
    latencies.sort()
    n = len(latencies)
    rank = lambda q: latencies[min(n, max(1, int(np.ceil(q * n)))) - 1] * 1e3
    batch1 = {"images_per_second": n / total, "faces_per_second": faces / total, "p50_ms": rank(0.5),
              "p99_ms": rank(0.99), "mean_ms": total * 1e3 / n}

    concurrent = None
    if args.batch > 0:
        stream = [jpegs[i % len(jpegs)] for i in range(max(1, args.rounds) * len(jpegs))]
        for start in range(0, min(len(stream), args.batch * max(1, args.warmup)), args.batch):
            pipeline.run(stream[start:start + args.batch])
        synchronize(device)
        faces = 0
        started = time.perf_counter()
        for start in range(0, len(stream), args.batch):
            faces += sum(len(r) for r in pipeline.run(stream[start:start + args.batch]))
        synchronize(device)
        total = time.perf_counter() - started
        concurrent = {"clients": 1, "max_batch": args.batch, "images_per_second": len(stream) / total,
                      "faces_per_second": faces / total}

    checked = []
    for name, data in read_inputs(args.inputs, ".png"):
        found = pipeline.run([data])[0]
        checked.append([name, [{"box_xyxy": [float(v) for v in box], "score": float(score),
                                "descriptor": [float(v) for v in d]} for box, score, d in found]])
    report = {"pipeline": "torch", "backend": f"torch-{device.type}",
              "reason": f"torch {torch.__version__} (CUDA {torch.version.cuda}), facenet-pytorch MTCNN",
              "jpeg_decoder": "nvjpeg" if device.type == "cuda" else "cpu", "images": len(jpegs),
              "rounds": args.rounds, "threads": args.threads, "batch1": batch1, "concurrent": concurrent,
              "faces": checked,
              "torch_max_memory_mib": torch.cuda.max_memory_allocated(device) / 2 ** 20 if device.type == "cuda"
              else None}
    with open(args.out, "w") as f:
        json.dump(report, f, indent=1)
    line = (f"torch {device.type}: batch 1 {batch1['images_per_second']:.1f} images/s, "
            f"{batch1['faces_per_second']:.1f} faces/s, p50 {batch1['p50_ms']:.2f} ms, p99 {batch1['p99_ms']:.2f} ms")
    if concurrent:
        line += f"; batch {args.batch} {concurrent['images_per_second']:.1f} images/s"
    print(line)


if __name__ == "__main__":
    main()
