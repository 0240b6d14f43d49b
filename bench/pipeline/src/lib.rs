//! Benchmark P1: detect + align + extract, side by side with a Python onnxruntime pipeline.
