"""M2 anchor: PyTorch fp16 `torch.mm` + `torch.topk` on the same GPU and shapes as Argus.

Writes one CSV row per shape to stdout: engine,n,d,q,k,filter,ms_median,ms_min,recall_at_k.
Recall@k is measured against an fp64 exact search over the same data for the first
RECALL_QUERIES queries (fp64 on the GPU). Timing uses CUDA events around mm + topk only
(data already on the device), median of REPEATS runs after WARMUP runs.
"""

import argparse
import sys

import torch

WARMUP = 3
REPEATS = 10
RECALL_QUERIES = 10
CHUNK = 1_000_000  # columns per mm, so that Q x N scores fit in memory


def unit_rows(n, d, generator):
    x = torch.randn(n, d, device="cuda", generator=generator, dtype=torch.float32)
    return torch.nn.functional.normalize(x, dim=1)


def search(db16, q16, k, mask):
    best_scores, best_ids = None, None
    for start in range(0, db16.shape[0], CHUNK):
        part = db16[start : start + CHUNK]
        scores = torch.mm(q16, part.T)
        if mask is not None:
            scores.masked_fill_(~mask[start : start + CHUNK], float("-inf"))
        s, i = torch.topk(scores, min(k, scores.shape[1]), dim=1)
        i = i + start
        if best_scores is None:
            best_scores, best_ids = s, i
        else:
            s = torch.cat([best_scores, s], dim=1)
            i = torch.cat([best_ids, i], dim=1)
            best_scores, order = torch.topk(s, k, dim=1)
            best_ids = torch.gather(i, 1, order)
    return best_scores, best_ids


def exact_top_k(db32, queries32, k, mask):
    """fp64 exact top-k, chunked so that no fp64 copy of the whole database is made."""
    q64 = queries32.double()
    best_scores, best_ids = None, None
    for start in range(0, db32.shape[0], CHUNK):
        scores = torch.mm(q64, db32[start : start + CHUNK].double().T)
        if mask is not None:
            scores.masked_fill_(~mask[start : start + CHUNK], float("-inf"))
        s, i = torch.topk(scores, min(k, scores.shape[1]), dim=1)
        i = i + start
        if best_scores is not None:
            s = torch.cat([best_scores, s], dim=1)
            i = torch.cat([best_ids, i], dim=1)
        best_scores, order = torch.topk(s, k, dim=1)
        best_ids = torch.gather(i, 1, order)
    return best_ids


def recall(db32, queries32, ids, k, mask):
    truth = exact_top_k(db32, queries32, k, mask)
    hits = sum(len(set(a.tolist()) & set(b.tolist())) for a, b in zip(truth, ids))
    return hits / (k * truth.shape[0])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--d", type=int, nargs="+", default=[128, 512])
    parser.add_argument("--q", type=int, nargs="+", default=[1, 100, 1000])
    parser.add_argument("--k", type=int, default=10)
    args = parser.parse_args()
    generator = torch.Generator(device="cuda")
    generator.manual_seed(2026)
    print("engine,n,d,q,k,filter,ms_median,ms_min,recall_at_k")
    for n in args.n:
        for d in args.d:
            db32 = unit_rows(n, d, generator)
            db16 = db32.half()
            list_mask = torch.arange(n, device="cuda") % 100 == 7  # a 1 % list filter
            for q in args.q:
                queries32 = unit_rows(q, d, generator)
                q16 = queries32.half()
                for name, mask in (("none", None), ("1pct", list_mask)):
                    for _ in range(WARMUP):
                        search(db16, q16, args.k, mask)
                    times = []
                    for _ in range(REPEATS):
                        start = torch.cuda.Event(enable_timing=True)
                        end = torch.cuda.Event(enable_timing=True)
                        start.record()
                        _, ids = search(db16, q16, args.k, mask)
                        end.record()
                        torch.cuda.synchronize()
                        times.append(start.elapsed_time(end))
                    times.sort()
                    r = recall(db32, queries32[:RECALL_QUERIES], ids[:RECALL_QUERIES], args.k, mask)
                    print(f"torch-fp16,{n},{d},{q},{args.k},{name},{times[len(times) // 2]:.4f},{times[0]:.4f},{r:.4f}")
                    sys.stdout.flush()
            del db32, db16
            torch.cuda.empty_cache()


if __name__ == "__main__":
    main()
