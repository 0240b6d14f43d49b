"""Turns the M1 JSON reports into the markdown table. Usage: python report.py OUT_MD COMMAND JSON..."""

import datetime
import json
import os
import subprocess
import sys


def main():
    out, command, paths = sys.argv[1], sys.argv[2], sys.argv[3:]
    reports = [json.load(open(p)) for p in paths]
    by_key = {}
    for r in reports:
        by_key.setdefault((r["n"], r["dim"]), {})[r.get("storage", "faiss")] = r
    cpu = subprocess.run(["sh", "-c", "grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"], capture_output=True,
                         text=True).stdout.strip()
    rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    lines = [f"# M1 — exact 1:N search, Argus vs FAISS IndexFlatIP", "",
             f"{datetime.date.today()} · git {rev} · {cpu} · load average at the end {os.getloadavg()[0]:.1f} "
             f"(other work on the machine slows both sides) · command: `{command}`", "",
             "| N | d | engine | storage | B/desc | Q=1 q/s | ×FAISS | Q=100 q/s | ×FAISS | 1 % list q/s | ×FAISS post-filter | ×FAISS IDSelector | recall@10 | scan GB/s | % of bandwidth | load desc/s |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for (n, dim), group in sorted(by_key.items()):
        f = group.get("faiss")
        if f:
            lines.append(f"| {n:,} | {dim} | FAISS {f['engine'].split()[-1]} | f32 | {f['bytes_per_descriptor']} | "
                         f"{f['q1_per_second']:.1f} | 1.00 | {f['q100_queries_per_second']:.1f} | 1.00 | "
                         f"sel {f['filtered_selector_q1_per_second']:.1f} / post {f['filtered_postfilter_q1_per_second']:.1f} | 1.00 | 1.00 | "
                         f"{f['recall_at_10']:.3f} | | | {f['build_per_second']:,.0f} |")
        for storage in ("f32", "f16", "i8"):
            a = group.get(storage)
            if not a:
                continue
            ratio = lambda x, y: f"{x / y:.2f}" if f else "n/a"
            lines.append(
                f"| {n:,} | {dim} | Argus ({a['simd']}) | {storage} | {a['bytes_per_descriptor']} | {a['q1_per_second']:.1f} | "
                f"{ratio(a['q1_per_second'], f['q1_per_second']) if f else 'n/a'} | {a['q100_queries_per_second']:.1f} | "
                f"{ratio(a['q100_queries_per_second'], f['q100_queries_per_second']) if f else 'n/a'} | "
                f"{a['filtered_q1_per_second']:.1f} | "
                f"{ratio(a['filtered_q1_per_second'], f['filtered_postfilter_q1_per_second']) if f else 'n/a'} | "
                f"{ratio(a['filtered_q1_per_second'], f['filtered_selector_q1_per_second']) if f else 'n/a'} | "
                f"{a['recall_at_10']:.3f} | {a['scan_gb_s']:.2f} | {100 * a['scan_gb_s'] / a['bandwidth_gb_s']:.0f} % of {a['bandwidth_gb_s']:.1f} | "
                f"{a['build_per_second']:,.0f} |")
    text = "\n".join(lines) + "\n"
    with open(out, "w") as fh:
        fh.write(text)
    print(text)


if __name__ == "__main__":
    main()
