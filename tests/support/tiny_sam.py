"""A tiny SAM-family pack: ONNX encoder and decoder with the input and output signature of MobileSAM's export
(segment-anything's decoder; an encoder taking `[1,3,1024,1024]` normalised, padded RGB), small enough to
build in a test. Its "mask" is a disc of RADIUS frame pixels around the mean of the object points and box
corners, so a test can tell where the app's clicks landed after every change of coordinates."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

FRAME = 1024
LOW = 256
RADIUS = 96.0  # in the 1024 frame
SCORE = 0.93
LICENCE = "Apache License\nVersion 2.0, January 2004\n(test pack: no real weights)\n"


def _save(graph: onnx.GraphProto, path: Path) -> Path:
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return path


def encoder(path: Path) -> Path:
    """`input_image` [1,3,1024,1024] → `image_embeddings` [1,256,64,64] (16×16 averages, mixed 1×1)."""
    weights = np.random.default_rng(0).normal(0, 0.1, (256, 3, 1, 1)).astype(np.float32)
    nodes = [
        helper.make_node("AveragePool", ["input_image"], ["pooled"], kernel_shape=[16, 16], strides=[16, 16]),
        helper.make_node("Conv", ["pooled", "mix"], ["image_embeddings"]),
    ]
    graph = helper.make_graph(
        nodes,
        "tiny_sam_encoder",
        [helper.make_tensor_value_info("input_image", TensorProto.FLOAT, [1, 3, FRAME, FRAME])],
        [helper.make_tensor_value_info("image_embeddings", TensorProto.FLOAT, [1, 256, 64, 64])],
        [numpy_helper.from_array(weights, "mix")],
    )
    return _save(graph, path)


def decoder(path: Path) -> Path:
    """segment-anything's decoder signature; the mask is the disc described in the module docstring."""
    centres = (np.arange(LOW, dtype=np.float32) + 0.5) * (FRAME / LOW)
    gx = np.broadcast_to(centres[None, :], (LOW, LOW)).reshape(1, 1, LOW, LOW).astype(np.float32)
    gy = np.broadcast_to(centres[:, None], (LOW, LOW)).reshape(1, 1, LOW, LOW).astype(np.float32)
    consts = {
        "gx": gx,
        "gy": gy,
        "half": np.array(0.5, np.float32),
        "eps": np.array(1e-6, np.float32),
        "zero": np.array(0.0, np.float32),
        "r2": np.array(RADIUS**2, np.float32),
        "gain": np.array(8.0 / RADIUS**2, np.float32),
        "axis1": np.array([1], np.int64),
        "axis2": np.array([2], np.int64),
        "x_start": np.array([0], np.int64),
        "x_end": np.array([1], np.int64),
        "y_end": np.array([2], np.int64),
        "ones2": np.array([1, 1], np.int64),
        "score": np.array([[SCORE]], np.float32),
    }
    n = helper.make_node
    nodes = [
        # weights: 1 for object points and box corners, 0 for background and padding points
        n("Greater", ["point_labels", "half"], ["is_object"]),
        n("Cast", ["is_object"], ["w"], to=TensorProto.FLOAT),
        n("Unsqueeze", ["w", "axis2"], ["w3"]),
        n("Mul", ["point_coords", "w3"], ["weighted"]),
        n("ReduceSum", ["weighted", "axis1"], ["total"], keepdims=1),
        n("ReduceSum", ["w3", "axis1"], ["count"], keepdims=1),
        n("Max", ["count", "eps"], ["count_safe"]),
        n("Div", ["total", "count_safe"], ["centre"]),  # [1,1,2]
        n("Slice", ["centre", "x_start", "x_end", "axis2"], ["cx"]),
        n("Slice", ["centre", "x_end", "y_end", "axis2"], ["cy"]),
        n("Sub", ["gx", "cx"], ["dx"]),
        n("Sub", ["gy", "cy"], ["dy"]),
        n("Mul", ["dx", "dx"], ["dx2"]),
        n("Mul", ["dy", "dy"], ["dy2"]),
        n("Add", ["dx2", "dy2"], ["d2"]),
        n("Sub", ["r2", "d2"], ["inside"]),
        n("Mul", ["inside", "gain"], ["disc"]),
        # the other inputs are read (times zero), as a real decoder reads them
        n("ReduceMean", ["image_embeddings"], ["e_mean"], keepdims=0),
        n("ReduceMean", ["mask_input"], ["m_mean"], keepdims=0),
        n("ReduceSum", ["has_mask_input"], ["h_sum"], keepdims=0),
        n("Add", ["e_mean", "m_mean"], ["s1"]),
        n("Add", ["s1", "h_sum"], ["s2"]),
        n("Mul", ["s2", "zero"], ["nothing"]),
        n("Add", ["disc", "nothing"], ["low_res_masks"]),
        n("Add", ["score", "nothing"], ["iou_predictions"]),
        n("Cast", ["orig_im_size"], ["size_hw"], to=TensorProto.INT64),
        n("Concat", ["ones2", "size_hw"], ["sizes"], axis=0),
        n("Resize", ["low_res_masks", "", "", "sizes"], ["masks"], mode="linear"),
    ]
    f = TensorProto.FLOAT
    graph = helper.make_graph(
        nodes,
        "tiny_sam_decoder",
        [
            helper.make_tensor_value_info("image_embeddings", f, [1, 256, 64, 64]),
            helper.make_tensor_value_info("point_coords", f, [1, "num_points", 2]),
            helper.make_tensor_value_info("point_labels", f, [1, "num_points"]),
            helper.make_tensor_value_info("mask_input", f, [1, 1, LOW, LOW]),
            helper.make_tensor_value_info("has_mask_input", f, [1]),
            helper.make_tensor_value_info("orig_im_size", f, [2]),
        ],
        [
            helper.make_tensor_value_info("masks", f, [1, 1, "height", "width"]),
            helper.make_tensor_value_info("iou_predictions", f, [1, 1]),
            helper.make_tensor_value_info("low_res_masks", f, [1, 1, LOW, LOW]),
        ],
        [numpy_helper.from_array(v, k) for k, v in consts.items()],
    )
    return _save(graph, path)


def make_pack(folder: Path, name: str = "tiny_sam") -> Path:
    """A pack folder as a labeller would side-load one: encoder, decoder and the licence."""
    folder.mkdir(parents=True, exist_ok=True)
    encoder(folder / f"{name}.encoder.onnx")
    decoder(folder / f"{name}.decoder.onnx")
    (folder / "LICENSE").write_text(LICENCE, encoding="utf-8")
    return folder
