"""Serve an Ultralytics-style YOLO ONNX export (detect, segment or pose) with onnxruntime.

The export's signature: input `images` (1, 3, H, W) RGB in 0..1, letterboxed with grey 114; output
`output0` (1, 4 + classes [+ 32 mask coefficients | + K·D keypoint values], anchors) with centre-size
boxes in input pixels and per-class scores; segment models add `output1` (1, 32, h, w) mask prototypes.
Class names, task, image size and keypoint shape come from the ONNX metadata that Ultralytics writes.
"""

from __future__ import annotations

import ast
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import onnxruntime as ort

from app.models import Task
from server.geometry import iou_one_to_many, sigmoid
from server.model import Detections, ModelInfo, PredictOptions, empty_detections

NMS_IOU = 0.7
PAD_VALUE = 114
MAX_CANDIDATES = 30_000
CLASS_OFFSET = 7680.0  # separates classes for class-aware NMS, as Ultralytics does
MASK_SIMPLIFY_PX = 1.0


def _literal(value: str | None) -> Any:
    if value is None:
        return None
    try:
        return ast.literal_eval(value)
    except (ValueError, SyntaxError):
        return None


@dataclass(frozen=True)
class LetterboxFit:
    """Ultralytics' letterbox: scale to fit, centre with a grey border."""

    gain: float
    left: int
    top: int
    size: tuple[int, int]  # (width, height) of the network input

    @classmethod
    def for_image(cls, width: int, height: int, size: tuple[int, int]) -> LetterboxFit:
        gain = min(size[0] / width, size[1] / height)
        pad_w = (size[0] - round(width * gain)) / 2
        pad_h = (size[1] - round(height * gain)) / 2
        return cls(gain, round(pad_w - 0.1), round(pad_h - 0.1), size)

    def tensor(self, image: np.ndarray) -> np.ndarray:
        height, width = image.shape[:2]
        inner = (round(width * self.gain), round(height * self.gain))
        resized = cv2.resize(image, inner, interpolation=cv2.INTER_LINEAR)
        canvas = np.full((self.size[1], self.size[0], 3), PAD_VALUE, np.uint8)
        canvas[self.top : self.top + inner[1], self.left : self.left + inner[0]] = resized
        rgb = cv2.cvtColor(canvas, cv2.COLOR_BGR2RGB)
        return (rgb.transpose(2, 0, 1)[None].astype(np.float32)) / 255.0

    def to_image(self, xy: np.ndarray) -> np.ndarray:
        """Input-pixel (…, 2) points → original-image pixels."""
        out = np.empty_like(xy, dtype=np.float64)
        out[..., 0] = (xy[..., 0] - self.left) / self.gain
        out[..., 1] = (xy[..., 1] - self.top) / self.gain
        return out


def nms(boxes: np.ndarray, scores: np.ndarray, iou: float, limit: int) -> list[int]:
    """Plain greedy NMS on xyxy boxes; indices by descending score."""
    order = np.argsort(-scores, kind="stable")
    keep: list[int] = []
    while order.size and len(keep) < limit:
        top = int(order[0])
        keep.append(top)
        rest = order[1:]
        order = rest[iou_one_to_many(boxes[top], boxes[rest]) <= iou]
    return keep


def _mask_ring(mask: np.ndarray, fit: LetterboxFit) -> list[list[float]] | None:
    """The largest outer contour of a binary input-space mask, in image pixels."""
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return None
    largest = max(contours, key=cv2.contourArea)
    ring = cv2.approxPolyDP(largest, MASK_SIMPLIFY_PX, True).reshape(-1, 2).astype(np.float64)
    if len(ring) < 3:
        return None
    return np.round(fit.to_image(ring + 0.5), 2).tolist()


class YoloOnnxModel:
    """One ONNX export, decoded as Ultralytics does (class-aware NMS, IoU 0.7)."""

    def __init__(
        self, path: Path, labels: list[str] | None = None, num_threads: int = 2, name: str | None = None
    ) -> None:
        options = ort.SessionOptions()
        options.intra_op_num_threads = num_threads
        options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        metadata = self.session.get_modelmeta().custom_metadata_map
        (entry,) = self.session.get_inputs()
        self.input_name = entry.name
        self.input_size = self._input_size(entry.shape, _literal(metadata.get("imgsz")))
        outputs = self.session.get_outputs()
        self.output_names = [o.name for o in outputs]
        self.kpt_shape = tuple(_literal(metadata.get("kpt_shape")) or ())
        task = metadata.get("task") or (
            "segment" if len(outputs) > 1 else "pose" if self.kpt_shape else "detect"
        )
        if task not in ("detect", "segment", "pose"):
            raise ValueError(f"{path.name}: unsupported YOLO task {task!r} (detect, segment or pose)")
        self.task = task
        channels = outputs[0].shape[1]
        self.mask_dim = outputs[1].shape[1] if task == "segment" else 0
        extra = self.mask_dim + (int(np.prod(self.kpt_shape)) if task == "pose" else 0)
        if task == "pose" and not self.kpt_shape:
            raise ValueError(f"{path.name}: a pose export needs 'kpt_shape' in its metadata")
        names = labels or self._names(_literal(metadata.get("names")))
        n_classes = channels - 4 - extra if isinstance(channels, int) else len(names)
        if names and len(names) != n_classes:
            raise ValueError(f"{path.name}: {len(names)} class names for {n_classes} classes")
        self.labels = names or [f"class{i}" for i in range(n_classes)]
        keypoint_names = tuple(f"kp{i}" for i in range(self.kpt_shape[0])) if task == "pose" else ()
        self.info = ModelInfo(
            name=name or path.stem,
            task=Task.KEYPOINTS if task == "pose" else Task(task),
            labels=tuple(self.labels),
            platform="onnxruntime",
            release=f"{path.stem}-{hashlib.sha256(path.read_bytes()).hexdigest()[:12]}",
            keypoint_names=keypoint_names,
        )

    @staticmethod
    def _input_size(shape: list[Any], imgsz: Any) -> tuple[int, int]:
        """(width, height) from a static input shape, else from the metadata's imgsz, else 640."""
        if isinstance(shape[2], int) and isinstance(shape[3], int):
            return shape[3], shape[2]
        if isinstance(imgsz, list | tuple) and len(imgsz) == 2:
            return int(imgsz[1]), int(imgsz[0])
        return 640, 640

    @staticmethod
    def _names(names: Any) -> list[str]:
        if isinstance(names, dict):
            return [str(names[k]) for k in sorted(names)]
        if isinstance(names, list | tuple):
            return [str(n) for n in names]
        return []

    def predict(self, image: np.ndarray, options: PredictOptions) -> Detections:
        height, width = image.shape[:2]
        fit = LetterboxFit.for_image(width, height, self.input_size)
        raw = self.session.run(None, {self.input_name: fit.tensor(image)})
        rows = raw[0][0].T.astype(np.float32)  # (anchors, channels)
        n_classes = len(self.labels)
        class_scores = rows[:, 4 : 4 + n_classes]
        classes = class_scores.argmax(1)
        scores = class_scores[np.arange(len(rows)), classes]
        candidates = np.flatnonzero(scores >= max(options.confidence, 1e-6))
        if candidates.size > MAX_CANDIDATES:
            candidates = candidates[np.argsort(-scores[candidates])[:MAX_CANDIDATES]]
        if not candidates.size:
            return empty_detections(self.info)
        centre, size = rows[candidates, :2], rows[candidates, 2:4]
        boxes = np.concatenate([centre - size / 2, centre + size / 2], axis=1)
        offsets = classes[candidates, None] * CLASS_OFFSET
        picked = np.asarray(
            nms(boxes + offsets, scores[candidates], NMS_IOU, options.max_detections), np.int64
        )
        keep = candidates[picked]
        image_boxes = fit.to_image(boxes[picked].reshape(-1, 2, 2)).reshape(-1, 4)
        image_boxes[:, 0::2] = image_boxes[:, 0::2].clip(0, width)
        image_boxes[:, 1::2] = image_boxes[:, 1::2].clip(0, height)
        detections = Detections(
            boxes=image_boxes.astype(np.float32),
            scores=scores[keep].astype(np.float32),
            labels=[self.labels[c] for c in classes[keep]],
        )
        tail = rows[keep, 4 + n_classes :]
        if self.task == "segment":
            detections = self._with_polygons(
                detections, tail[:, : self.mask_dim], raw[1][0], boxes[picked], fit
            )
        elif self.task == "pose":
            detections.keypoints = self._keypoints(tail, fit)
        return detections

    def _keypoints(self, values: np.ndarray, fit: LetterboxFit) -> np.ndarray:
        count, dims = self.kpt_shape[0], self.kpt_shape[1]
        points = values.reshape(len(values), count, dims)
        xy = fit.to_image(points[..., :2])
        confidence = points[..., 2:3] if dims >= 3 else np.ones((*points.shape[:2], 1), np.float32)
        return np.concatenate([xy, confidence], axis=2).astype(np.float32)

    def _with_polygons(
        self,
        detections: Detections,
        coefficients: np.ndarray,
        protos: np.ndarray,
        input_boxes: np.ndarray,
        fit: LetterboxFit,
    ) -> Detections:
        channels, proto_h, proto_w = protos.shape
        logits = coefficients @ protos.reshape(channels, -1)
        masks = sigmoid(logits).reshape(-1, proto_h, proto_w)
        in_w, in_h = self.input_size
        polygons: list[list[list[list[float]]]] = []
        kept: list[int] = []
        for index, (mask, box) in enumerate(zip(masks, input_boxes, strict=True)):
            full = cv2.resize(mask, (in_w, in_h), interpolation=cv2.INTER_LINEAR)
            x0, y0 = np.floor(box[:2]).clip(0).astype(int)
            x1, y1 = np.ceil(box[2:]).astype(int)
            cropped = np.zeros((in_h, in_w), np.uint8)
            cropped[y0:y1, x0:x1] = full[y0:y1, x0:x1] > 0.5
            ring = _mask_ring(cropped, fit)
            if ring is not None:
                polygons.append([ring])
                kept.append(index)
        result = detections.select(kept)
        result.polygons = polygons
        return result


def read_labels(path: Path) -> list[str]:
    """One class name per line; blank lines ignored."""
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def load_yolo(path: Path, labels_file: Path | None = None, num_threads: int = 2) -> YoloOnnxModel:
    """The model for `--model path [--labels file]`; the model is named after the file's stem."""
    if not path.is_file():
        raise ValueError(f"no such model file: {path}")
    labels = read_labels(labels_file) if labels_file else None
    state = ort.capi.onnxruntime_pybind11_state
    try:
        return YoloOnnxModel(path, labels=labels, num_threads=num_threads)
    except (
        state.Fail,
        state.InvalidGraph,
        state.InvalidProtobuf,
        state.InvalidArgument,
        state.NoSuchFile,
    ) as exc:
        raise ValueError(f"{path}: not a loadable ONNX model ({str(exc)[:200]})") from None
