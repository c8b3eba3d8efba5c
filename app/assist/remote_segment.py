"""A deployment that segments from clicks (the interactive profile, docs/server.md) as a click-to-segment
engine. The image goes at most 1024 pixels on its long side, encoded once per image, so each click sends a
small request; a server keeps the image's embedding between clicks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from itertools import count

import cv2
import numpy as np

from app.assist.segment_engines import remote_id
from app.inference.adapters import oip_interactive as profile
from app.inference.adapters.oip import server_request
from app.inference.adapters.oip_profile import binary_transport
from app.inference.client import PROBE_TIMEOUT_S, InferenceClient
from app.inference.errors import InferenceError
from app.models import Deployment
from app.segment.engine import Mask, Picture, Prompt, Rect

SEND_SIDE = 1024
JPEG_QUALITY = 90
_request_ids = count(1)


@dataclass(frozen=True)
class SentImage:
    data: bytes
    width: int
    height: int
    factor: float  # sent pixels per picture pixel
    picture_scale: float


class RemoteEngine:
    uses_box = True

    def __init__(self, d: Deployment, client: InferenceClient, token: Callable[[], str | None]) -> None:
        self.deployment = d
        self.id = remote_id(d)
        self.title = f"{d.name} (remote)"
        self._client = client
        self._token = token
        self._binary: bool | None = None  # how the server takes the image; None until asked

    def prepare(self, picture: Picture) -> object:
        if self._binary is None:
            d = self.deployment
            meta = self._client.send(d, profile.metadata_request(d.model), self._token(), PROBE_TIMEOUT_S)
            if not profile.takes_prompts(meta.json()):
                raise InferenceError(
                    f"'{d.name}' does not segment from clicks: its model takes no "
                    f"{' / '.join(profile.PROMPT_INPUTS)} inputs (see docs/server.md)"
                )
            server = self._client.send(d, server_request(), self._token(), PROBE_TIMEOUT_S).json()
            self._binary = binary_transport(server)  # the image goes as the annotation profile's does
        h, w = picture.pixels.shape[:2]
        factor = min(1.0, SEND_SIDE / max(h, w))
        size = (max(1, round(w * factor)), max(1, round(h * factor)))
        pixels = (
            cv2.resize(picture.pixels, size, interpolation=cv2.INTER_AREA) if factor < 1 else picture.pixels
        )
        ok, encoded = cv2.imencode(".jpg", pixels, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
        if not ok:
            raise InferenceError("the image could not be encoded to send")
        return SentImage(encoded.tobytes(), size[0], size[1], size[0] / w, picture.scale)

    def segment(self, picture: Picture, prepared: object, prompt: Prompt, view: Rect) -> Mask:
        assert isinstance(prepared, SentImage)
        sent, d = prepared, self.deployment
        k = sent.factor / sent.picture_scale  # sent pixels per image pixel
        points = [(x * k, y * k, 1) for x, y in prompt.positive] + [
            (x * k, y * k, 0) for x, y in prompt.negative
        ]
        box = None
        if prompt.box is not None:
            x1, y1, x2, y2 = prompt.box
            box = (x1 * k, y1 * k, x2 * k, y2 * k)
        request = profile.segment_request(
            d.model,
            sent.data,
            points,
            box,
            f"segment-{next(_request_ids)}",
            binary=bool(self._binary),
        )
        response = self._client.send(d, request, self._token(), d.timeout_s)
        mask, score = profile.parse_mask(response, sent.width, sent.height)
        return Mask(np.asarray(mask, bool), 0.0, 0.0, 1.0 / k, score)
