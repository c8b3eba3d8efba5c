"""Open Inference Protocol v2 (KServe v2 REST; Triton, KServe, MLServer, OpenVINO Model Server) with
LabelAssist's annotation profile: one encoded image in; boxes, scores, labels, polygons, keypoints out."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from app.inference.adapters import oip_layouts as layouts
from app.inference.adapters import oip_profile, shapes
from app.inference.adapters.base import HttpRequest, HttpResponse, ImageInput, Probe, Send
from app.inference.adapters.oip_tensors import HEADER_LENGTH, polygon_rings, read_response
from app.inference.errors import InferenceError
from app.masks import decode_rle, outlines
from app.models import AnnotationProfile, Box, Deployment, ModelInfo, PredictedPoint, Prediction
from app.models.geometry import Polygon

MAX_DETECTIONS = 1000  # asked of the server; it keeps the best ones
# The outputs of the annotation profile (docs/server.md); any other output is reported, never dropped unsaid.
PLACED = {"boxes", "scores", "labels", "keypoints", "polygons", "masks", oip_profile.PROFILE_OUTPUT}


class _ModelMetadata(BaseModel):
    model_config = ConfigDict(extra="ignore")
    name: str
    versions: list[str] | None = Field(default_factory=list)  # KServe sends null
    parameters: dict[str, Any] | None = None

    def profile(self) -> AnnotationProfile | None:
        """The annotation profile, if the parameters carry one (they name the task)."""
        if not self.parameters or "task" not in self.parameters:
            return None
        return _validate_profile(self.name, self.parameters)


def _validate_profile(name: str, fields: dict[str, Any]) -> AnnotationProfile:
    try:
        return AnnotationProfile.model_validate(fields)
    except ValidationError as e:
        raise InferenceError(
            f"model '{name}' describes its task in a way LabelAssist does not know: {e.errors()[0]['msg']}"
        ) from None


def _model_path(model: str) -> str:
    return f"/v2/models/{quote(model, safe='')}"


def ready_request(model: str) -> HttpRequest:
    return HttpRequest("GET", f"{_model_path(model)}/ready")


def server_request() -> HttpRequest:
    return HttpRequest("GET", "/v2")


def metadata_request(model: str) -> HttpRequest:
    return HttpRequest("GET", _model_path(model))


def binary_supported(server_metadata: Any) -> bool:
    """Whether the server lists Triton's binary tensor data extension."""
    extensions = server_metadata.get("extensions") if isinstance(server_metadata, dict) else None
    return isinstance(extensions, list) and "binary_tensor_data" in extensions


def parse_metadata(body: bytes) -> ModelInfo:
    try:
        meta = _ModelMetadata.model_validate_json(body)
    except ValidationError as e:
        raise InferenceError(
            f"the model metadata does not fit the protocol: {e.errors()[0]['msg']}"
        ) from None
    p = meta.profile()
    if p is None:
        raise InferenceError(
            f"model '{meta.name}' does not describe itself in LabelAssist's annotation profile "
            "(its metadata has no parameters with task and labels)"
        )
    return model_info(meta.name, meta.versions or [], p)


def model_info(name: str, versions: list[str], p: AnnotationProfile) -> ModelInfo:
    version = p.version or (versions[-1] if versions else "")
    n = len(p.keypoint_names)
    skeleton = tuple((a, b) for a, b in p.skeleton if 0 <= a < n and 0 <= b < n and a != b)
    return ModelInfo(
        name=name,
        version=version,
        task=p.task,
        labels=p.labels,
        keypoint_names=p.keypoint_names,
        skeleton=skeleton,
    )


def infer_request(model: str, image: bytes, request_id: str, floor: float, *, binary: bool) -> HttpRequest:
    """The request for one encoded image; ``binary`` sends it as a raw tensor instead of base64."""
    head: dict[str, Any] = {
        "id": request_id,
        "parameters": {"confidence": floor, "max_detections": MAX_DETECTIONS, "binary_data_output": binary},
    }
    return oip_profile.image_request(f"{_model_path(model)}/infer", head, "image", image, binary=binary)


def parse_infer(
    body: bytes, header_length: str | None, image_size: tuple[int, int] | None = None
) -> tuple[list[Prediction], int]:
    """Predictions from an infer response, and how many were dropped (non-finite numbers, outlines that are
    not ones). `image_size` (width, height) places `masks` smaller than the image."""
    _, out = read_response(body, header_length)
    return predictions_from(out, image_size)


def predictions_from(out: dict[str, Any], image_size: tuple[int, int] | None) -> tuple[list[Prediction], int]:
    """Predictions from the decoded outputs of a model that speaks the annotation profile."""
    missing = [name for name in ("boxes", "scores", "labels") if name not in out]
    if missing:
        raise InferenceError(
            f"the answer lacks the output(s) {', '.join(missing)}; expected boxes FP32[N,4], scores FP32[N], "
            f"labels BYTES[N] (got: {', '.join(out) or 'no outputs'})"
        )
    boxes, scores, labels = out["boxes"], out["scores"], out["labels"]
    if not isinstance(boxes, np.ndarray) or boxes.ndim != 2 or boxes.shape[1] != 4:
        raise InferenceError(f"'boxes' should be FP32[N,4]; its shape is {_shape(boxes)}")
    n = boxes.shape[0]
    if not isinstance(scores, np.ndarray) or scores.shape != (n,):
        raise InferenceError(
            f"'scores' should be FP32[{n}] to match {n} boxes; its shape is {_shape(scores)}"
        )
    if not isinstance(labels, list) or len(labels) != n:
        raise InferenceError(
            f"'labels' should be BYTES[{n}] to match {n} boxes; its shape is {_shape(labels)}"
        )
    keypoints = out.get("keypoints")
    if keypoints is not None and not _is_keypoints(keypoints, n):
        raise InferenceError(f"'keypoints' should be FP32[{n},K,3]; its shape is {_shape(keypoints)}")
    polygons = out.get("polygons")
    if polygons is not None and (not isinstance(polygons, list) or len(polygons) != n):
        raise InferenceError(f"'polygons' should be BYTES[{n}]; its shape is {_shape(polygons)}")
    masks = out.get("masks")
    if masks is not None and not _is_masks(masks, n):
        raise InferenceError(
            f"'masks' should be UINT8/BOOL[{n},H,W] (0 or 1 per pixel) or BYTES[{n}] of COCO RLE; "
            f"it is {_shape(masks)}{'' if not isinstance(masks, np.ndarray) else ' of numbers'}"
        )
    shapes.check_count(n, "the server")  # before building anything for an answer that is refused anyway
    finite = np.isfinite(boxes).all(axis=1) & np.isfinite(scores)
    if keypoints is not None:
        finite &= np.isfinite(keypoints).all(axis=(1, 2))
    predictions = []
    for i in np.flatnonzero(finite):
        polygon = _polygon(polygons[i]) if polygons is not None else None
        if polygon is None and masks is not None:
            polygon = _mask_outline(masks[i], image_size)
        if (polygons is not None or masks is not None) and polygon is None:
            finite[i] = False
            continue
        x1, y1, x2, y2 = (float(v) for v in boxes[i])
        points = None
        if keypoints is not None:
            k = keypoints[i]
            conf = k[:, 2] if k.shape[1] == 3 else np.ones(len(k))
            points = tuple(
                PredictedPoint.model_construct(x=float(x), y=float(y), score=float(min(max(c, 0.0), 1.0)))
                for (x, y), c in zip(k[:, :2], conf, strict=True)
            )
        predictions.append(
            Prediction.model_construct(
                label=str(labels[i])[:200] or "?",
                score=float(min(max(scores[i], 0.0), 1.0)),
                box=Box.model_construct(x1=min(x1, x2), y1=min(y1, y2), x2=max(x1, x2), y2=max(y1, y2)),
                polygon=polygon,
                keypoints=points,
            )
        )
    return predictions, int(n - len(predictions))


def _is_keypoints(value: Any, n: int) -> bool:
    """FP32[n,K,3] (or [n,K,2]: x, y without a confidence)."""
    return (
        isinstance(value, np.ndarray) and value.ndim == 3 and value.shape[0] == n and value.shape[2] in (2, 3)
    )


def _is_masks(value: Any, n: int) -> bool:
    """BYTES[n] of COCO RLE, or UINT8/BOOL[n,H,W] of 0/1 pixels."""
    if isinstance(value, list):
        return len(value) == n
    return (
        isinstance(value, np.ndarray)
        and value.ndim == 3
        and len(value) == n
        and value.dtype in (np.uint8, np.bool_)
    )


def _polygon(text: str) -> Polygon | None:
    rings = polygon_rings(text)
    if not rings:
        return None
    try:
        ring = np.asarray(rings[0], dtype=np.float64)
    except (TypeError, ValueError):
        return None
    if ring.ndim != 2 or ring.shape[1] != 2 or len(ring) < 3 or not np.isfinite(ring).all():
        return None
    return Polygon.model_construct(points=tuple((float(x), float(y)) for x, y in ring))


def _mask_outline(mask: np.ndarray | str, image_size: tuple[int, int] | None) -> Polygon | None:
    """The outline of a mask's largest part, or None for an empty mask. A 0/1 array covers the whole image
    (scaled to it when smaller); a COCO RLE (JSON) must have the image's size. Raises InferenceError for a
    mask that cannot be read: that is the server's doing, not one prediction's."""
    scale = (1.0, 1.0)
    if isinstance(mask, str):
        try:
            rle = json.loads(mask)
            if not isinstance(rle, dict):
                raise ValueError("a mask element should be a JSON object with 'size' and 'counts'")
            if image_size is not None and rle.get("size") != [image_size[1], image_size[0]]:
                raise ValueError(
                    f"an RLE mask of size {str(rle.get('size'))[:40]} does not cover the "
                    f"{image_size[0]}x{image_size[1]} image (size is [height, width])"
                )
            mask = decode_rle(rle)
        except ValueError as e:
            raise InferenceError(f"'masks': {e}") from None
        except RecursionError:
            raise InferenceError("'masks': an element is JSON nested too deeply to read") from None
    elif image_size is not None:
        h, w = mask.shape
        scale = (image_size[0] / w, image_size[1] / h) if w and h else scale
    parts = outlines(mask, scale)
    return parts[0] if parts else None


def _shape(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return str(list(value.shape))
    if isinstance(value, list):
        return f"[{len(value)}] (BYTES)"
    return type(value).__name__


def unplaced(outputs: dict[str, Any], placed: set[str]) -> str:
    """What to tell the user about outputs the answer carried that LabelAssist has no place for ("": none)."""
    left = [name for name in outputs if name not in placed]
    if not left:
        return ""
    named = ", ".join(f"'{name}' {_shape(outputs[name])}" for name in left[:5])
    more = f" and {len(left) - 5} more" if len(left) > 5 else ""
    return f"outputs not placed: {named}{more} (no annotation holds them; not shown)"


class OipAdapter:
    """Open Inference Protocol v2 with the annotation profile."""

    def describe(self, d: Deployment, send: Send) -> Probe:
        server = send(server_request()).json()
        binary = oip_profile.binary_transport(server)
        # The model's own route first: a server's answer for an unknown model is clearest there (Triton
        # answers its ready route with 400 "version not ready", its metadata with 404 "unknown model").
        meta = send(metadata_request(d.model))
        send(ready_request(d.model))
        raw = meta.json()
        extra: dict[str, Any] = {}
        note = "" if binary else oip_profile.json_note(server)
        if note:
            extra["notes"] = [note]
        if not isinstance(raw, dict):
            raise InferenceError("the model metadata is not a JSON object")
        fields = oip_profile.find(d.model, raw, server, binary, send)
        profile = None if fields is None else _validate_profile(str(raw.get("name") or d.model), fields)
        if profile is None:
            layout, model = layouts.find_layout(raw)  # no annotation profile: a plain detection model?
            if not layout.encoded and oip_profile.binary_numbers(server):
                extra.pop("notes", None)  # no image goes as text
                return Probe(model, True, {**extra, **layout.as_extra()})
            return Probe(model, binary, {**extra, **layout.as_extra()})
        versions = raw.get("versions") if isinstance(raw, dict) else None
        versions = [str(v) for v in versions] if isinstance(versions, list) else []
        name = str(raw.get("name") or d.model) if isinstance(raw, dict) else d.model
        return Probe(model_info(name, versions, profile), binary, extra)

    def infer_request(
        self, d: Deployment, image: ImageInput, request_id: str, floor: float, probe: Probe
    ) -> HttpRequest:
        layout = layouts.Layout.from_extra(probe.extra)
        if layout is not None:
            return layouts.request(_model_path(d.model), layout, image.data, request_id, binary=probe.binary)
        return infer_request(d.model, image.data, request_id, floor, binary=probe.binary)

    def parse_infer(
        self, response: HttpResponse, image: ImageInput, probe: Probe
    ) -> tuple[list[Prediction], int]:
        predictions, dropped, _ = self.parse_infer_notes(response, image, probe)
        return predictions, dropped

    def parse_infer_notes(
        self, response: HttpResponse, image: ImageInput, probe: Probe
    ) -> tuple[list[Prediction], int, tuple[str, ...]]:
        """As parse_infer, and what the user should be told about the answer: outputs with no place."""
        header_length = response.headers.get(HEADER_LENGTH.lower())
        _, outputs = read_response(response.body, header_length)
        layout = layouts.Layout.from_extra(probe.extra)
        if layout is not None:
            found = layouts.predictions(outputs, layout, probe.model.labels, image.width, image.height)
            note = unplaced(outputs, layout.placed())
        else:
            found = predictions_from(outputs, (image.width, image.height))
            note = unplaced(outputs, PLACED)
        return found[0], found[1], (note,) if note else ()
