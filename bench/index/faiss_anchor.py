"""Benchmark M1, the anchor: FAISS IndexFlatIP on the data set m1-index wrote, same thread count.

Usage: python faiss_anchor.py WORK_DIR N DIM THREADS OUT_JSON
The filtered search is run two ways FAISS offers: an IDSelectorBatch inside the search, and a post-filter
(search k / 0.01 = 1000, keep list members).
"""

import json
import sys
import time

import faiss
import numpy as np

Q1, BATCH, RECALL, K = 200, 100, 20, 10


def main():
    work, n, dim, threads, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
    faiss.omp_set_num_threads(threads)
    data = np.fromfile(f"{work}/data.f32", dtype="<f4").reshape(n, dim)
    queries = np.fromfile(f"{work}/queries.f32", dtype="<f4").reshape(-1, dim)
    queries = queries / np.linalg.norm(queries, axis=1, keepdims=True)
    t = time.perf_counter()
    index = faiss.IndexFlatIP(dim)
    index.add(data)
    build = n / (time.perf_counter() - t)

    t = time.perf_counter()
    for q in queries[:Q1]:
        index.search(q[None], K)
    q1 = Q1 / (time.perf_counter() - t)

    t = time.perf_counter()
    index.search(queries[:BATCH], K)
    q100 = BATCH / (time.perf_counter() - t)

    members = np.arange(0, n, 100, dtype=np.int64)
    params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(members))
    t = time.perf_counter()
    for q in queries[:Q1]:
        index.search(q[None], K, params=params)
    selector = Q1 / (time.perf_counter() - t)

    member_set = set(members.tolist())
    t = time.perf_counter()
    for q in queries[:Q1]:
        _, ids = index.search(q[None], min(n, 100 * K))
        [i for i in ids[0] if i in member_set][:K]
    post = Q1 / (time.perf_counter() - t)

    found = 0
    for q in queries[:RECALL]:
        sims = data.astype(np.float64) @ q.astype(np.float64)
        want = set(np.lexsort((np.arange(n), -sims))[:K].tolist())
        _, ids = index.search(q[None], K)
        found += len(want & set(ids[0].tolist()))
    report = {"engine": "faiss IndexFlatIP " + faiss.__version__, "n": n, "dim": dim, "threads": threads,
              "bytes_per_descriptor": 4 * dim, "build_per_second": build, "q1_per_second": q1,
              "q100_queries_per_second": q100, "filtered_selector_q1_per_second": selector,
              "filtered_postfilter_q1_per_second": post, "recall_at_10": found / (RECALL * K)}
    with open(out, "w") as f:
        json.dump(report, f, indent=1)


if __name__ == "__main__":
    main()
