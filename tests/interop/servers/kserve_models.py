"""Models for the KServe interop tests, served by KServe's Python ModelServer (run in the kserve environment,
not the project's). Argument: the HTTP port.

KServe's model metadata carries no `parameters`, so `pose` publishes LabelAssist's annotation profile the way
docs/server.md describes for such servers: an `annotation_profile` output (BYTES [1], the profile's JSON),
answered alone when it is the only output asked for. Answers are computed from what the model received, in
numbers a float32 holds exactly:
* `pose`: one encoded image (BYTES [1]) in; boxes, scores, labels, keypoints and polygons out. It refuses
  anything that is not a PNG file, with the reason.
* `pixels`: a plain detector of RGB pixels at any size (UINT8 [1,-1,-1,3]); its box is the middle quarter
  of the pixels it received.
"""

from __future__ import annotations

import base64
import json
import struct
import sys

import numpy as np
import uvicorn
from kserve import InferOutput, InferRequest, InferResponse, Model, ModelServer
from kserve.errors import InvalidInput

PROFILE = {
    "task": "keypoints",
    "labels": ["person"],
    "keypoint_names": ["nose", "left_eye", "right_eye"],
    "skeleton": [[0, 1], [0, 2]],
    "version": "kserve-test-1",
}

# KServe binds its HTTP server to every interface; a test server listens on the loopback only.
_Config = uvicorn.Config


def _loopback_config(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
    kwargs["host"] = "127.0.0.1"
    return _Config(*args, **kwargs)


uvicorn.Config = _loopback_config
import kserve.protocol.rest.server as _rest  # noqa: E402  (after the patch it must see)

_rest.uvicorn.Config = _loopback_config


def png_size(data: bytes) -> tuple[int, int]:
    if data[:8] != b"\x89PNG\r\n\x1a\n" or len(data) < 24:
        raise InvalidInput(f"the image is not a PNG file (it starts with {data[:12]!r})")
    return struct.unpack(">II", data[16:24])


def tensor(name: str, value: np.ndarray, datatype: str) -> InferOutput:
    out = InferOutput(name=name, shape=list(value.shape), datatype=datatype)
    out.set_data_from_numpy(value, binary_data=False)
    return out


class Pose(Model):
    def __init__(self) -> None:
        super().__init__("pose")
        self.ready = True

    def get_input_types(self) -> list[dict]:
        return [{"name": "image", "datatype": "BYTES", "shape": [1]}]

    def get_output_types(self) -> list[dict]:
        return [
            {"name": "boxes", "datatype": "FP32", "shape": [-1, 4]},
            {"name": "scores", "datatype": "FP32", "shape": [-1]},
            {"name": "labels", "datatype": "BYTES", "shape": [-1]},
            {"name": "keypoints", "datatype": "FP32", "shape": [-1, 3, 3]},
            {"name": "polygons", "datatype": "BYTES", "shape": [-1]},
            {"name": "annotation_profile", "datatype": "BYTES", "shape": [1]},
        ]

    def predict(self, payload: InferRequest, headers: dict | None = None) -> InferResponse:
        profile = tensor("annotation_profile", np.array([json.dumps(PROFILE)], dtype=object), "BYTES")
        asked = [o.name for o in payload.request_outputs or []]
        if asked == ["annotation_profile"]:  # the client learning the profile: no need to run the model
            return InferResponse(payload.id, self.name, [profile])
        raw = payload.inputs[0].as_numpy().reshape(-1)[0]
        data = base64.b64decode(raw) if isinstance(raw, str) else bytes(raw)  # text from JSON-only clients
        w, h = png_size(data)
        boxes = np.array([[1.5, 2.25, w - 0.5, h - 0.75], [0.0, 0.0, w / 2, h / 2]], np.float32)
        keypoints = np.array(
            [
                [[10.5, 11.25, 0.875], [12.0, 9.5, 0.5], [9.0, 9.5, 0.25]],
                [[1, 2, 1.0], [3, 4, 0.0], [5, 6, 0.5]],
            ],
            np.float32,
        )
        polygons = [
            json.dumps([[[1.5, 2.25], [w - 0.5, 2.25], [w / 2, h - 0.75]]]),
            json.dumps([[[0, 0], [4, 0], [0, 4]]]),
        ]
        outputs = [
            tensor("boxes", boxes, "FP32"),
            tensor("scores", np.array([0.9375, 0.625], np.float32), "FP32"),
            tensor("labels", np.array(["person", "person"], dtype=object), "BYTES"),
            tensor("keypoints", keypoints, "FP32"),
            tensor("polygons", np.array(polygons, dtype=object), "BYTES"),
            profile,
        ]
        return InferResponse(payload.id, self.name, outputs)


class Pixels(Model):
    def __init__(self) -> None:
        super().__init__("pixels")
        self.ready = True

    def get_input_types(self) -> list[dict]:
        return [{"name": "image", "datatype": "UINT8", "shape": [1, -1, -1, 3]}]

    def get_output_types(self) -> list[dict]:
        return [
            {"name": "boxes", "datatype": "FP32", "shape": [-1, 4]},
            {"name": "scores", "datatype": "FP32", "shape": [-1]},
            {"name": "classes", "datatype": "FP32", "shape": [-1]},
        ]

    def predict(self, payload: InferRequest, headers: dict | None = None) -> InferResponse:
        _, h, w, _ = payload.inputs[0].as_numpy().shape
        outputs = [
            tensor("boxes", np.array([[w / 4, h / 4, w * 3 / 4, h * 3 / 4]], np.float32), "FP32"),
            tensor("scores", np.array([0.75], np.float32), "FP32"),
            tensor("classes", np.array([0.0], np.float32), "FP32"),
        ]
        return InferResponse(payload.id, self.name, outputs)


if __name__ == "__main__":
    ModelServer(http_port=int(sys.argv[1]), enable_grpc=False, workers=1).start([Pose(), Pixels()])
