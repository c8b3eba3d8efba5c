"""Tiny ONNX models with the input/output signature of Ultralytics YOLO exports, answering fixed tensors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

INPUT = 64  # network input side
PROTO = 16  # mask prototype side (input / 4, as in YOLO)


def _rows(*rows: list[float]) -> np.ndarray:
    """(1, channels, anchors) from per-anchor rows, the export's layout."""
    return np.array(rows, np.float32).T[None]


def build(path: Path, outputs: dict[str, np.ndarray], metadata: dict[str, str]) -> Path:
    """A graph whose outputs are constants plus 0 × mean(images), so the input is really consumed."""
    nodes = [
        helper.make_node("ReduceMean", ["images"], ["mean"], keepdims=0),
        helper.make_node("Mul", ["mean", "zero"], ["nothing"]),
    ]
    initializers = [numpy_helper.from_array(np.array(0.0, np.float32), "zero")]
    graph_outputs = []
    for name, value in outputs.items():
        initializers.append(numpy_helper.from_array(value, f"{name}_value"))
        nodes.append(helper.make_node("Add", [f"{name}_value", "nothing"], [name]))
        graph_outputs.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, list(value.shape)))
    graph = helper.make_graph(
        nodes,
        "tiny_yolo",
        [helper.make_tensor_value_info("images", TensorProto.FLOAT, [1, 3, INPUT, INPUT])],
        graph_outputs,
        initializers,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    for key, value in metadata.items():
        model.metadata_props.append(onnx.StringStringEntryProto(key=key, value=value))
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return path


# Anchors as (cx, cy, w, h, class scores...) in input pixels. For a 128×64 image the letterbox gain is
# 0.5 and the top border 16 px, so input (x, y) is image (2x, 2(y − 16)).
DETECT_ROWS = [
    [16, 32, 8, 8, 0.9, 0.0],  # cat → image box (24, 24, 40, 40)
    [17, 32, 8, 8, 0.8, 0.0],  # same cat, IoU 0.78 > 0.7: suppressed
    [16, 32, 8, 8, 0.0, 0.7],  # same place but a dog: class-aware NMS keeps it
    [48, 40, 16, 8, 0.0, 0.3],  # dog → image box (80, 40, 112, 56)
    [40, 30, 4, 4, 0.01, 0.0],  # below the default floor of 0.05
    [0, 0, 0, 0, 0.0, 0.0],
]


def detect_model(path: Path) -> Path:
    return build(
        path,
        {"output0": _rows(*DETECT_ROWS)},
        {"task": "detect", "names": "{0: 'cat', 1: 'dog'}", "imgsz": "[64, 64]"},
    )


def segment_model(path: Path) -> Path:
    coefficients = np.zeros((len(DETECT_ROWS), 32), np.float32)
    coefficients[:, 0] = 1.0
    rows = [row + list(c) for row, c in zip(DETECT_ROWS, coefficients, strict=True)]
    protos = np.full((1, 32, PROTO, PROTO), -10.0, np.float32)
    protos[0, 0, 6:10, 2:6] = 10.0  # input pixels 8..24 × 24..40: covers the cat box (12..20, 28..36)
    return build(
        path,
        {"output0": _rows(*rows), "output1": protos},
        {"task": "segment", "names": "{0: 'cat', 1: 'dog'}", "imgsz": "[64, 64]"},
    )


def pose_model(path: Path) -> Path:
    rows = [
        [16, 32, 8, 8, 0.9, 14, 30, 0.95, 18, 34, 0.2],
        [40, 40, 8, 8, 0.6, 38, 38, 0.5, 42, 42, 0.4],
        [0, 0, 0, 0, 0.0, 0, 0, 0, 0, 0, 0],
    ]
    return build(
        path,
        {"output0": _rows(*rows)},
        {"task": "pose", "names": "{0: 'person'}", "imgsz": "[64, 64]", "kpt_shape": "[2, 3]"},
    )
