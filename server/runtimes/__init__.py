"""Inference runtimes (LiteRT, onnxruntime) behind a small interface."""
