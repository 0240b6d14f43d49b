//! Benchmark M1: the Argus index side by side with FAISS IndexFlatIP.
