"""Benchmark P2's comparison step: reads the reports of one run (p2-argus on each backend, torch_pipeline.py), checks
each pipeline's faces against Argus on ONNX Runtime's CPU provider and writes the markdown table with the goals.

Report files are named SET__LABEL.json (SET: the input set, e.g. one-face or group); beside each, SET__LABEL.gpumem
may hold the peak GPU memory of that run in MiB (nvidia-smi, over the idle figure), and SET__LABEL.skipped the reason a
pipeline did not run. Agreement is checked on the lossless PNG copies: the same face count on every image, boxes
within 2 px, descriptor cosine >= 0.995 (the pipelines differ in runtime, precision and detection code, not in
algorithm).

Usage: python p2_compare.py RESULTS_DIR OUT_MD COMMAND
Exits 1 when a pipeline disagrees with the reference, 2 when there is nothing to compare.
"""

import glob
import json
import os
import sys

import numpy as np

REFERENCE = "argus-ort-cpu"
MAX_BOX_PX = 2.0
MIN_COSINE = 0.995
GOAL_IMAGES_PER_S = 5000.0
GOAL_RATIO = 2.0
GOAL_P50_MS = 5.0


def agreement(report, reference):
    """(same count everywhere, largest box difference in px, lowest cosine, images compared)."""
    theirs = dict((name, faces) for name, faces in report["faces"])
    same_count, worst_box, worst_cos, images = True, 0.0, 1.0, 0
    for name, ref_faces in reference["faces"]:
        faces = theirs.get(name)
        if faces is None or len(faces) != len(ref_faces):
            same_count = False
            continue
        images += 1
        for f, r in zip(faces, ref_faces):
            worst_box = max(worst_box, float(np.abs(np.array(f["box_xyxy"]) - np.array(r["box_xyxy"])).max()))
            worst_cos = min(worst_cos, float(np.dot(f["descriptor"], r["descriptor"])))
    return same_count, worst_box, worst_cos, images


def read_set(results_dir, name):
    """Reports, GPU memory figures and skip reasons of one input set, keyed by label."""
    reports, memory, skipped = {}, {}, {}
    for path in sorted(glob.glob(os.path.join(results_dir, f"{name}__*"))):
        label, ext = os.path.splitext(os.path.basename(path)[len(name) + 2:])
        with open(path) as f:
            if ext == ".json":
                reports[label] = json.load(f)
            elif ext == ".gpumem":
                text = f.read().strip()
                memory[label] = float(text) if text else None
            elif ext == ".skipped":
                skipped[label] = f.read().strip()
    return reports, memory, skipped


def fmt(value, digits=1):
    return "–" if value is None else f"{value:,.{digits}f}"


def table(name, reports, memory, skipped):
    """The markdown of one input set and whether every pipeline agreed with the reference."""
    lines = [f"### {name}", ""]
    reference = reports.get(REFERENCE)
    torch_cuda = reports.get("torch-cuda")
    torch_rate = torch_cuda["concurrent"]["images_per_second"] if torch_cuda and torch_cuda["concurrent"] else None
    lines += ["| pipeline | JPEG decoder | images | batch 1 images/s | batch 1 faces/s | p50 ms | p99 ms | "
              "throughput images/s | throughput faces/s | clients × batch | GPU memory MiB | throughput / PyTorch CUDA "
              "| agreement with Argus ORT CPU |",
              "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    all_agree = True
    for label, r in reports.items():
        b, c = r["batch1"], r.get("concurrent")
        rate = c["images_per_second"] if c else None
        ratio = f"{rate / torch_rate:.2f}×" if rate and torch_rate else "–"
        shape = f"{c['clients']} × {c['max_batch']}" if c else "–"
        gpu = memory.get(label)
        if r.get("torch_max_memory_mib") is not None:
            gpu_text = f"{fmt(gpu, 0)} (torch peak allocated {r['torch_max_memory_mib']:,.0f})"
        else:
            gpu_text = fmt(gpu, 0)
        if reference is None:
            agree_text = "no reference"
        elif label == REFERENCE:
            agree_text = "reference"
        else:
            same, box, cos, images = agreement(r, reference)
            ok = same and box <= MAX_BOX_PX and cos >= MIN_COSINE
            all_agree &= ok
            agree_text = (f"{'agree' if ok else 'DISAGREE'}: same face count {same}, box ≤ {box:.3f} px, "
                          f"cosine ≥ {cos:.5f} ({images} images)")
        lines.append(f"| {label} | {r.get('jpeg_decoder', '?')} | {r['images']} × {r['rounds']} | "
                     f"{fmt(b['images_per_second'])} | {fmt(b['faces_per_second'])} | {fmt(b['p50_ms'], 2)} | "
                     f"{fmt(b['p99_ms'], 2)} | {fmt(rate)} | {fmt(c['faces_per_second'] if c else None)} | {shape} | "
                     f"{gpu_text} | {ratio} | {agree_text} |")
    for label, why in skipped.items():
        lines.append(f"| {label} | – | – | – | – | – | – | – | – | – | – | – | skipped: {why} |")
    lines.append("")
    return lines, all_agree


def goals(reports):
    """The issue's goals, judged on the one-face set: best Argus GPU row against 5,000 images/s, 2× PyTorch CUDA,
    5 ms at batch 1."""
    gpu_rows = {k: r for k, r in reports.items()
                if k.startswith("argus-") and k != REFERENCE and not k.startswith("argus-burn-wgpu")}
    torch_cuda = reports.get("torch-cuda")
    if not gpu_rows:
        return ["Goals: not judged: no Argus GPU row in this run (the CPU and lavapipe rows check correctness only)."]
    best = max(gpu_rows, key=lambda k: (gpu_rows[k].get("concurrent") or gpu_rows[k]["batch1"])["images_per_second"])
    r = gpu_rows[best]
    rate = (r.get("concurrent") or r["batch1"])["images_per_second"]
    fastest_p50 = min(g["batch1"]["p50_ms"] for g in gpu_rows.values())
    out = [f"Goals (one-face set, best Argus GPU row: {best}):",
           f"- ≥ {GOAL_IMAGES_PER_S:,.0f} images/s from JPEG bytes: {rate:,.1f} → "
           f"{'met' if rate >= GOAL_IMAGES_PER_S else 'NOT met'}"]
    if torch_cuda and torch_cuda.get("concurrent"):
        ratio = rate / torch_cuda["concurrent"]["images_per_second"]
        out.append(f"- ≥ {GOAL_RATIO:.0f}× the PyTorch CUDA pipeline: {ratio:.2f}× → "
                   f"{'met' if ratio >= GOAL_RATIO else 'NOT met'}")
    else:
        out.append("- ≥ 2× the PyTorch CUDA pipeline: not judged (no torch-cuda row)")
    out.append(f"- batch-1 latency ≤ {GOAL_P50_MS:.0f} ms (p50, fastest GPU row): {fastest_p50:.2f} ms → "
               f"{'met' if fastest_p50 <= GOAL_P50_MS else 'NOT met'}")
    return out


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    results_dir, out, command = sys.argv[1:]
    names = sorted({os.path.basename(p).split("__")[0] for p in glob.glob(os.path.join(results_dir, "*__*"))},
                   key=lambda n: (n != "one-face", n))
    if not names:
        print(f"p2_compare: no SET__LABEL reports in {results_dir}", file=sys.stderr)
        sys.exit(2)
    lines = ["## P2: detect + align + extract from JPEG bytes, side by side", "", f"Command: `{command}`", "",
             "Batch 1: one client, one image at a time (descriptor batcher without wait). Throughput: Argus with "
             "several client threads sharing one engine (its descriptor batcher gathers their faces), PyTorch with "
             "batches of same-size images. GPU memory: nvidia-smi's peak during the run over the idle figure.", ""]
    all_agree = True
    one_face_reports = None
    for name in names:
        reports, memory, skipped = read_set(results_dir, name)
        if name == "one-face":
            one_face_reports = reports
        part, agree = table(name, reports, memory, skipped)
        lines += part
        all_agree &= agree
    if one_face_reports is not None:
        lines += goals(one_face_reports)
    lines += ["", f"Agreement (same face count, boxes ≤ {MAX_BOX_PX:.0f} px, cosine ≥ {MIN_COSINE}): "
              f"{'every pipeline agrees' if all_agree else 'SOME PIPELINE DISAGREES'}."]
    text = "\n".join(lines) + "\n"
    with open(out, "w") as f:
        f.write(text)
    print(text)
    sys.exit(0 if all_agree else 1)


if __name__ == "__main__":
    main()
