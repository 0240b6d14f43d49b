"""Compares the P1 reports of Argus and the Python pipeline and writes the markdown table.

Usage: python compare.py ARGUS_JSON PYTHON_JSON OUT_MD COMMAND
Exits 1 when the two pipelines disagree on the lossless PNG copies of the inputs (identical pixels on both sides):
another face count, a box more than 0.05 px apart, or a descriptor cosine below 0.9999. What is left to absorb is
float32 summation order (Rust loops vs numpy einsum), nothing more.
"""

import datetime
import json
import os
import platform
import subprocess
import sys

import numpy as np


def agreement(a, p):
    worst_box, worst_cos, same_count = 0.0, 1.0, True
    for (name_a, faces_a), (name_p, faces_p) in zip(a["faces"], p["faces"]):
        assert name_a == name_p, (name_a, name_p)
        if len(faces_a) != len(faces_p):
            same_count = False
            continue
        for fa, fp in zip(faces_a, faces_p):
            worst_box = max(worst_box, float(np.abs(np.array(fa["box_xyxy"]) - np.array(fp["box_xyxy"])).max()))
            worst_cos = min(worst_cos, float(np.dot(fa["descriptor"], fp["descriptor"])))
    return same_count, worst_box, worst_cos


def main():
    argus, python = (json.load(open(p)) for p in sys.argv[1:3])
    out, command = sys.argv[3], sys.argv[4]
    same_count, worst_box, worst_cos = agreement(argus, python)
    ok = same_count and worst_box <= 0.05 and worst_cos >= 0.9999
    cpu = subprocess.run(["sh", "-c", "grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"], capture_output=True,
                         text=True).stdout.strip()
    rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    rows = []
    for label, r in (("Argus (Rust, ORT CPU)", argus), ("Python (numpy + onnxruntime)", python)):
        ms = r["ms_per_image"]
        rows.append(f"| {label} | {r['images_per_second']:.2f} | {ms['decode']:.2f} | {ms['detect']:.2f} | "
                    f"{ms['align']:.2f} | {ms['extract']:.2f} |")
    ratio = argus["images_per_second"] / python["images_per_second"]
    text = f"""# P1 — detect + align + extract, 640×480 one-face JPEGs

{datetime.date.today()} · git {rev} · {cpu} · {platform.machine()} · {argus['threads']} thread(s) for each side ·
{argus['images']} images × {argus['rounds']} rounds · command: `{command}`

| pipeline | images/s | decode ms | detect ms | align ms | extract ms |
|---|---|---|---|---|---|
{rows[0]}
{rows[1]}

**Ratio Argus / Python: {ratio:.2f}×** (goal ≥ 1.5×).
Agreement on lossless PNG copies of the same canvases (identical pixels on both sides): same face count on every
image: {same_count}; largest box difference {worst_box:.4f} px; lowest descriptor cosine {worst_cos:.7f} →
{"agree" if ok else "DISAGREE"} (bounds 0.05 px and 0.9999).
Load average when written: {os.getloadavg()[0]:.2f} (other work on the machine slows both sides unevenly).
"""
    with open(out, "w") as f:
        f.write(text)
    print(text)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
