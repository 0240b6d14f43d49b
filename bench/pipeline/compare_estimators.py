"""Compares the E1 reports of Argus and the Python anchor and writes the markdown table.

Usage: python compare_estimators.py ARGUS_JSON PYTHON_JSON OUT_MD COMMAND
Exits 1 when the two disagree on a sample: angles more than 0.5 degrees apart, another predominant emotion, ages
more than 0.5 years apart, or male or live probabilities more than 0.01 apart (both sides area-resize the same
pixels in float32; what is left is summation order).
"""

import datetime
import json
import platform
import subprocess
import sys

LIMITS = {"yaw": 0.5, "pitch": 0.5, "roll": 0.5, "age": 0.5, "gender": 0.01, "live": 0.01}


def disagreements(argus, python):
    found = []
    for name, a in argus["estimates"].items():
        p = python["estimates"][name]
        if a["emotion"] != p["emotion"]:
            found.append(f"{name}: emotion {a['emotion']} vs {p['emotion']}")
        for key, limit in LIMITS.items():
            if abs(a[key] - p[key]) > limit:
                found.append(f"{name}: {key} {a[key]:.3f} vs {p[key]:.3f}")
    return found


def main():
    argus, python = (json.load(open(p)) for p in sys.argv[1:3])
    out, command = sys.argv[3], sys.argv[4]
    problems = disagreements(argus, python)
    cpu = subprocess.run(["sh", "-c", "grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"], capture_output=True,
                         text=True).stdout.strip()
    rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    rows = []
    for name, a in argus["estimators"].items():
        p = python["estimators"][name]
        rows.append(f"| {name} | {a['unbatched_ms_per_face']:.2f} | {p['unbatched_ms_per_face']:.2f} | "
                    f"{p['unbatched_ms_per_face'] / a['unbatched_ms_per_face']:.2f}× | "
                    f"{a['batched_ms_per_face']:.2f} | {p['batched_ms_per_face']:.2f} | "
                    f"{p['batched_ms_per_face'] / a['batched_ms_per_face']:.2f}× |")
    table = "\n".join(rows)
    verdict = "agree on every sample" if not problems else "DISAGREE: " + "; ".join(problems)
    text = f"""# E1 — attribute estimators, ms per face on the CPU

{datetime.date.today()} · git {rev} · {cpu} · {platform.machine()} · {argus['threads']} thread(s) for each side ·
batches of {argus['batch']} · {argus['rounds']} rounds · command: `{command}`

| estimator | Argus unbatched | Python unbatched | speed-up | Argus batched | Python batched | speed-up |
|---|---|---|---|---|---|---|
{table}

Speed-up = Python ms / Argus ms. The two sides {verdict}.
"""
    with open(out, "w") as f:
        f.write(text)
    print(text)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
