"""One infer request, step by step: read it (parse, decode the image, options), then answer it (encode the
detections). The HTTP route times the steps; a batch job that runs a model in its own process answers the
same request bytes with the same steps, so both give identical answers."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace

import numpy as np

from server.binary import split_body
from server.images import decode_image
from server.model import Detections, PredictOptions, ServedModel
from server.prompt_inputs import extra_inputs
from server.protocol import InferRequest
from server.tensors import build_response, image_from_request, options_from_request, parse_request
from server.tensors import requested_outputs as choose_outputs


@dataclass(frozen=True)
class InferCall:
    """A request read and checked: what the model runs on and what the answer must hold."""

    request: InferRequest
    image: np.ndarray  # decoded BGR uint8
    options: PredictOptions
    outputs: list[tuple[str, bool]]  # output name, binary


def read_call(model: ServedModel, body: memoryview, header_length: str | None, max_pixels: int) -> InferCall:
    """Raises ClientError for a request the client got wrong."""
    json_part, tail = split_body(body, header_length)
    request = parse_request(json_part)
    extra = model.info.extra_inputs
    image = decode_image(image_from_request(request, tail, [s.name for s in extra]), max_pixels)
    options = options_from_request(request)
    if extra:
        options = replace(options, inputs=extra_inputs(request, tail, extra))
    return InferCall(request, image, options, choose_outputs(request, model.info))


def predict(model: ServedModel, call: InferCall) -> Detections:
    return model.predict(call.image, call.options).filtered(call.options)


def answer(model: ServedModel, call: InferCall, detections: Detections) -> tuple[bytes, int]:
    """The response body and the length of its JSON header (0 when the body is all JSON)."""
    payload, binary_tail = build_response(model.info, call.request, detections, call.outputs)
    header = json.dumps(payload, separators=(",", ":")).encode()
    return header + binary_tail, (len(header) if binary_tail else 0)
