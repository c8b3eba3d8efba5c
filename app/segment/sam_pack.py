"""A SAM-family ONNX pack run with onnxruntime: the image encoder once per image (the embedding), then the
small prompt decoder for every click.

Two signatures are read, told apart by the decoder's inputs:
* SAM / MobileSAM / NanoSAM (segment-anything's ONNX export): encoder `[1,3,1024,1024]` normalised and
  padded RGB, or `[H,W,3]` RGB with the preprocessing inside; decoder `image_embeddings`, `point_coords`
  `[1,N,2]` and `point_labels` `[1,N]` (1 object, 0 background, 2 and 3 the box corners, -1 padding) in the
  1024 frame, `mask_input`, `has_mask_input`, `orig_im_size`; outputs `masks`, `iou_predictions`,
  `low_res_masks` `[1,1,256,256]` logits.
* EfficientSAM: encoder `batched_images` `[1,3,H,W]` RGB in 0..1; decoder `batched_point_coords`
  `[1,1,N,2]` in image pixels, `batched_point_labels`, `orig_im_size`; outputs masks `[1,1,C,H,W]` and
  IoU `[1,1,C]` logits, the best candidate taken.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from app.segment.engine import Mask, Picture, Prompt, Rect
from app.segment.pack_files import PackError, PackFiles

SAM_FRAME = 1024  # SAM resizes the long side to this and pads to a square
EFFICIENT_SIDE = 1024  # EfficientSAM takes any size; larger costs more and gains nothing
LOW_RES = 256
MEAN = np.array([123.675, 116.28, 103.53], np.float32)
STD = np.array([58.395, 57.12, 57.375], np.float32)


@dataclass(frozen=True)
class Embedding:
    values: np.ndarray
    frame: tuple[int, int]  # (height, width) of the picture as the encoder saw it
    factor: float  # encoder pixels per picture pixel
    picture_scale: float  # image pixels per picture pixel


class SamPackEngine:
    id = "sam_pack"
    uses_box = True

    def __init__(self, pack: PackFiles, threads: int = 2) -> None:
        try:
            import onnxruntime as ort
        except ImportError:
            raise PackError(
                "running a segmentation pack needs onnxruntime: pip install 'labelassist[server]'"
            ) from None
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.log_severity_level = 3
        try:
            self.encoder = ort.InferenceSession(
                str(pack.encoder), options, providers=["CPUExecutionProvider"]
            )
            self.decoder = ort.InferenceSession(
                str(pack.decoder), options, providers=["CPUExecutionProvider"]
            )
        except Exception as e:  # onnxruntime raises its own types for unreadable files
            raise PackError(f"'{pack.folder.name}' does not load: {str(e).splitlines()[0]}") from None
        self.pack = pack
        self.title = f"{pack.name} (ONNX pack)"
        self.inputs = {i.name: i for i in self.decoder.get_inputs()}
        self.outputs = [o.name for o in self.decoder.get_outputs()]
        if "batched_point_coords" in self.inputs:
            self.kind = "efficientsam"
        elif {"image_embeddings", "point_coords", "point_labels"} <= self.inputs.keys():
            self.kind = "sam"
        else:
            raise PackError(
                f"'{pack.decoder.name}' takes {sorted(self.inputs)}: not a SAM, MobileSAM, NanoSAM or "
                "EfficientSAM decoder"
            )
        first = self.encoder.get_inputs()[0]
        self.encoder_input, self.encoder_rank = first.name, len(first.shape)
        side = first.shape[-1] if self.encoder_rank == 4 else None
        self.frame_side = side if isinstance(side, int) and side > 0 else SAM_FRAME

    # ---- the embedding -------------------------------------------------------------------------

    def prepare(self, picture: Picture) -> object:
        rgb = cv2.cvtColor(picture.pixels, cv2.COLOR_BGR2RGB)
        h, w = rgb.shape[:2]
        side = self.frame_side if self.kind == "sam" else min(EFFICIENT_SIDE, max(h, w))
        factor = side / max(h, w)
        size = (max(1, int(w * factor + 0.5)), max(1, int(h * factor + 0.5)))
        resized = cv2.resize(rgb, size, interpolation=cv2.INTER_LINEAR) if size != (w, h) else rgb
        tensor = self._encoder_tensor(resized.astype(np.float32))
        values = self.encoder.run(None, {self.encoder_input: tensor})[0]
        return Embedding(values, (size[1], size[0]), size[0] / w, picture.scale)

    def _encoder_tensor(self, rgb: np.ndarray) -> np.ndarray:
        if self.kind == "efficientsam":
            return (rgb / 255.0).transpose(2, 0, 1)[None].astype(np.float32)
        if self.encoder_rank == 3:
            return rgb  # the export normalises and pads itself
        h, w = rgb.shape[:2]
        normalised = ((rgb - MEAN) / STD).transpose(2, 0, 1)
        padded = np.zeros((3, self.frame_side, self.frame_side), np.float32)
        padded[:, :h, :w] = normalised
        return padded[None]

    # ---- a click -------------------------------------------------------------------------------

    def segment(self, picture: Picture, prepared: object, prompt: Prompt, view: Rect) -> Mask:
        assert isinstance(prepared, Embedding)
        e = prepared
        coords, labels = _points(prompt, e.factor / e.picture_scale)
        if self.kind == "efficientsam":
            logits, score = self._efficient(e, coords, labels)
        else:
            logits, score = self._sam(e, coords, labels)
        return Mask(logits > 0.0, 0.0, 0.0, e.picture_scale / e.factor, score)

    def _sam(self, e: Embedding, coords: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, float]:
        if not (labels >= 2).any():  # no box: segment-anything pads with one point labelled -1
            coords, labels = np.vstack([coords, [[0.0, 0.0]]]), np.append(labels, -1.0)
        h, w = e.frame
        feed: dict[str, Any] = {
            "image_embeddings": e.values,
            "point_coords": coords[None].astype(np.float32),
            "point_labels": labels[None].astype(np.float32),
            "mask_input": np.zeros((1, 1, LOW_RES, LOW_RES), np.float32),
            "has_mask_input": np.zeros((1,), np.float32),
            "orig_im_size": np.array([h, w], np.float32),
        }
        out = dict(
            zip(
                self.outputs,
                self.decoder.run(None, {k: v for k, v in feed.items() if k in self.inputs}),
                strict=True,
            )
        )
        scores = np.asarray(out.get("iou_predictions", np.ones((1, 1))), np.float32).reshape(-1)
        best = int(np.argmax(scores))
        if "low_res_masks" in out:
            # The export's own upscaling can be frozen to the aspect ratio it was traced with: redo it here.
            low = np.asarray(out["low_res_masks"], np.float32)[0, best]
            full = cv2.resize(low, (self.frame_side, self.frame_side), interpolation=cv2.INTER_LINEAR)
            return full[:h, :w], float(scores[best])
        masks = np.asarray(out[self.outputs[0]], np.float32)[0, best]
        if masks.shape != (h, w):
            masks = cv2.resize(masks, (w, h), interpolation=cv2.INTER_LINEAR)
        return masks, float(scores[best])

    def _efficient(self, e: Embedding, coords: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, float]:
        h, w = e.frame
        feed: dict[str, Any] = {
            "image_embeddings": e.values,
            "batched_point_coords": coords[None, None].astype(np.float32),
            "batched_point_labels": labels[None, None].astype(np.float32),
            "orig_im_size": np.array([h, w], np.int64),
        }
        masks, iou = self.decoder.run(None, {k: v for k, v in feed.items() if k in self.inputs})[:2]
        scores = np.asarray(iou, np.float32)[0, 0]
        best = int(np.argmax(scores))
        logits = np.asarray(masks, np.float32)[0, 0, best]
        if logits.shape != (h, w):
            logits = cv2.resize(logits, (w, h), interpolation=cv2.INTER_LINEAR)
        return logits, float(scores[best])


def _points(prompt: Prompt, factor: float) -> tuple[np.ndarray, np.ndarray]:
    """The prompt as decoder points and labels, scaled from image pixels into the encoder's frame."""
    coords = [p for p in prompt.positive] + [p for p in prompt.negative]
    labels = [1.0] * len(prompt.positive) + [0.0] * len(prompt.negative)
    if prompt.box is not None:
        x1, y1, x2, y2 = prompt.box
        coords += [(x1, y1), (x2, y2)]
        labels += [2.0, 3.0]
    return np.array(coords, np.float64).reshape(-1, 2) * factor, np.array(labels, np.float64)
