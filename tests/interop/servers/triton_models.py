"""Models for the Triton interop tests, served by the Triton binary that PyTriton bundles (run in the triton
environment, not the project's). Arguments: HTTP port, gRPC port, metrics port.

Every answer is computed from what the model received, in numbers a float32 holds exactly, so the test can
say what must arrive:
* `pose`: LabelAssist's annotation profile in the model config's `parameters` (as a config.pbtxt would
  carry it); one encoded image (BYTES [1]) in; boxes, scores, labels, keypoints and polygons out. It refuses
  anything that is not a PNG file (base64 text included), with the reason.
* `pixels`: a plain detector of RGB pixels at any size (UINT8 [1,-1,-1,3]); its box is the middle quarter
  of the pixels it received.
* `pixels_fixed`: the same with a fixed input size (UINT8 [1,48,64,3]).
* `extra`: the `pose` profile plus an `embedding` output the client has no place for.
"""

from __future__ import annotations

import json
import struct
import sys

import numpy as np
from pytriton.model_config import ModelConfig, Tensor
from pytriton.model_config.generator import ModelConfigGenerator
from pytriton.triton import Triton, TritonConfig

PROFILE = {
    "task": "keypoints",
    "labels": ["person"],
    "keypoint_names": ["nose", "left_eye", "right_eye"],
    "skeleton": [[0, 1], [0, 2]],
    "version": "triton-test-1",
}
FIXED = (48, 64)  # height, width of pixels_fixed's input

# PyTriton writes the model config itself and has no option for its `parameters`; this adds them where it
# writes its own, so Triton serves them at /v2/models/{name}/config as a config.pbtxt would make it.
_CONFIG_PARAMETERS: dict[str, dict[str, str]] = {
    "pose": {"annotation_profile": json.dumps(PROFILE)},
    "extra": {
        "task": "keypoints",
        "labels": json.dumps(["person"]),
        "keypoint_names": json.dumps(PROFILE["keypoint_names"]),
        "skeleton": json.dumps(PROFILE["skeleton"]),
        "version": "triton-extra-1",
    },
}
_set_backend_parameters = ModelConfigGenerator._set_backend_parameters


def _with_profile(self, model_config: dict) -> None:  # noqa: ANN001
    _set_backend_parameters(self, model_config)
    extra = _CONFIG_PARAMETERS.get(self._config.model_name, {})
    if extra:
        model_config.setdefault("parameters", {}).update({k: {"string_value": v} for k, v in extra.items()})


ModelConfigGenerator._set_backend_parameters = _with_profile


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's header; ValueError for anything else."""
    if data[:8] != b"\x89PNG\r\n\x1a\n" or len(data) < 24:
        raise ValueError(f"the image is not a PNG file (it starts with {data[:12]!r})")
    return struct.unpack(">II", data[16:24])


def pose_answer(data: bytes) -> dict[str, np.ndarray]:
    w, h = png_size(data)
    boxes = np.array([[1.5, 2.25, w - 0.5, h - 0.75], [0.0, 0.0, w / 2, h / 2]], np.float32)
    keypoints = np.array(
        [
            [[10.5, 11.25, 0.875], [12.0, 9.5, 0.5], [9.0, 9.5, 0.25]],
            [[1.0, 2.0, 1.0], [3.0, 4.0, 0.0], [5, 6, 0.5]],
        ],
        np.float32,
    )
    polygons = [
        json.dumps([[[1.5, 2.25], [w - 0.5, 2.25], [w / 2, h - 0.75]]]),
        json.dumps([[[0, 0], [4, 0], [0, 4]]]),
    ]
    return {
        "boxes": boxes,
        "scores": np.array([0.9375, 0.625], np.float32),
        "labels": np.array([b"person", b"person"], dtype=np.bytes_),
        "keypoints": keypoints,
        "polygons": np.array([p.encode() for p in polygons], dtype=np.bytes_),
    }


def pose(requests: list) -> list:
    return [pose_answer(bytes(r["image"].reshape(-1)[0])) for r in requests]


def extra(requests: list) -> list:
    out = []
    for r in requests:
        answer = pose_answer(bytes(r["image"].reshape(-1)[0]))
        answer["embedding"] = np.arange(8, dtype=np.float32).reshape(2, 4)
        out.append(answer)
    return out


def pixels(requests: list) -> list:
    out = []
    for r in requests:
        _, h, w, _ = r["image"].shape
        out.append(
            {
                "boxes": np.array([[w / 4, h / 4, w * 3 / 4, h * 3 / 4]], np.float32),
                "scores": np.array([0.75], np.float32),
                "classes": np.array([0.0], np.float32),
            }
        )
    return out


def main() -> None:
    http_port, grpc_port, metrics_port = (int(a) for a in sys.argv[1:4])
    config = TritonConfig(
        http_address="127.0.0.1",
        http_port=http_port,
        grpc_address="127.0.0.1",
        grpc_port=grpc_port,
        metrics_address="127.0.0.1",
        metrics_port=metrics_port,
    )
    one = ModelConfig(batching=False)
    pose_outputs = [
        Tensor(name="boxes", dtype=np.float32, shape=(-1, 4)),
        Tensor(name="scores", dtype=np.float32, shape=(-1,)),
        Tensor(name="labels", dtype=np.bytes_, shape=(-1,)),
        Tensor(name="keypoints", dtype=np.float32, shape=(-1, 3, 3)),
        Tensor(name="polygons", dtype=np.bytes_, shape=(-1,)),
    ]
    image = [Tensor(name="image", dtype=np.bytes_, shape=(1,))]
    detections = [
        Tensor(name="boxes", dtype=np.float32, shape=(-1, 4)),
        Tensor(name="scores", dtype=np.float32, shape=(-1,)),
        Tensor(name="classes", dtype=np.float32, shape=(-1,)),
    ]
    with Triton(config=config) as triton:
        triton.bind("pose", pose, inputs=image, outputs=pose_outputs, config=one)
        embedding = Tensor(name="embedding", dtype=np.float32, shape=(-1, 4))
        triton.bind("extra", extra, inputs=image, outputs=[*pose_outputs, embedding], config=one)
        any_size = [Tensor(name="image", dtype=np.uint8, shape=(1, -1, -1, 3))]
        triton.bind("pixels", pixels, inputs=any_size, outputs=detections, config=one)
        fixed = [Tensor(name="image", dtype=np.uint8, shape=(1, *FIXED, 3))]
        triton.bind("pixels_fixed", pixels, inputs=fixed, outputs=detections, config=one)
        triton.serve()


if __name__ == "__main__":
    main()
