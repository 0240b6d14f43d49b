"""Summary table of an M2 raw.csv: Argus next to torch for each shape, the ratio, recall@10,
and the fraction of the bandwidth floor (bytes of the fp16 database / the GPU's datasheet bandwidth,
second argument, default H100 SXM 3.35 TB/s) reached."""

import csv
import sys



def floor_ms(n, d, filtered, bandwidth):
    database = n * d * 2
    bitmap = n / 8
    moved = bitmap + (database / 100 if filtered else database)
    return moved / bandwidth * 1e3


def main(path, bandwidth):
    rows = list(csv.DictReader(open(path)))
    by_key = {}
    for row in rows:
        key = (int(row["n"]), int(row["d"]), int(row["q"]), row["filter"])
        engine = "argus" if row["engine"].startswith("argus") else "torch"
        by_key.setdefault(key, {})[engine] = row
    print()
    print("| N | d | Q | filter | Argus ms | torch ms | torch/Argus | recall Argus | recall torch | floor ms | Argus % of floor |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for (n, d, q, flt), pair in sorted(by_key.items()):
        a, t = pair.get("argus"), pair.get("torch")
        am = float(a["ms_median"]) if a else None
        tm = float(t["ms_median"]) if t else None
        fl = floor_ms(n, d, flt == "1pct", bandwidth)
        ratio = f"{tm / am:.2f}" if am and tm else "-"
        # An after-upsert row times an upsert too: no floor applies.
        frac = f"{100 * fl / am:.1f}" if am and flt in ("none", "1pct") else "-"
        print(
            f"| {n} | {d} | {q} | {flt} | {am if am is not None else '-'} | {tm if tm is not None else '-'} | {ratio} | "
            f"{a['recall_at_k'] if a else '-'} | {t['recall_at_k'] if t else '-'} | {fl:.4f} | {frac} |"
        )


if __name__ == "__main__":
    main(sys.argv[1], float(sys.argv[2]) if len(sys.argv) > 2 else 3.35e12)
