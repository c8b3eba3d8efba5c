"""Where an Open Inference Protocol server keeps LabelAssist's annotation profile, and how it takes an image.

The profile travels where each server can carry it (docs/server.md, "The annotation profile"):
* the model metadata's `parameters` (LabelAssist's server, MLServer);
* the model configuration's `parameters` (Triton: `GET /v2/models/{name}/config`, from config.pbtxt);
* an `annotation_profile` output, BYTES [1] holding the profile's JSON (KServe and any server whose metadata
  carries no parameters): learnt by asking the model for that output alone, for a 1x1 image.

The image goes as each server understands it: raw, with the binary tensor extension, where the server lists
it (or is known to take it without listing it); as base64 text marked `content_type: base64` where the server
decodes that; never as JSON text to a server that hands JSON text to the model as it is.
"""

from __future__ import annotations

import json
import struct
import zlib
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from app.inference.adapters.base import HttpRequest, Send
from app.inference.adapters.oip_tensors import HEADER_LENGTH, read_response
from app.inference.errors import InferenceError

PROFILE_OUTPUT = "annotation_profile"
PROFILE_FIELDS = ("task", "labels", "keypoint_names", "skeleton", "version")
LIST_FIELDS = ("labels", "keypoint_names", "skeleton")
# Servers that take numeric tensors as binary data without listing the extension: KServe's ModelServer
# reads them but lists only its model repository extension, and turns a binary BYTES tensor back into
# UTF-8 text, so an encoded image (not UTF-8) fails there ("Failed to encode … using UTF-8").
BINARY_NUMBERS_ONLY = {"kserve"}
# Servers that decode `content_type: base64` on a BYTES input (MLServer's codec); LabelAssist's server lists
# the annotation_profile extension instead.
BASE64_DECODERS = {"mlserver"}
# Servers that hand JSON BYTES text to the model as it is: the image cannot go as JSON to them.
TEXT_AS_IS = {"triton"}


def _png(width: int, height: int) -> bytes:
    """A black RGB PNG, the smallest image a model can be asked about."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\x00" * 3 * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


PROBE_IMAGE = _png(1, 1)


def server_name(server_metadata: Any) -> str:
    name = server_metadata.get("name") if isinstance(server_metadata, dict) else None
    return name.lower() if isinstance(name, str) else ""


def extensions(server_metadata: Any) -> list[str]:
    listed = server_metadata.get("extensions") if isinstance(server_metadata, dict) else None
    return [e for e in listed if isinstance(e, str)] if isinstance(listed, list) else []


def binary_transport(server_metadata: Any) -> bool:
    """Whether to send raw tensors (binary tensor extension); InferenceError where JSON cannot carry an image
    to this server and it does not take binary tensors either."""
    if "binary_tensor_data" in extensions(server_metadata):
        return True
    if server_name(server_metadata) in TEXT_AS_IS:
        raise InferenceError(
            f"the server ({server_name(server_metadata)}) does not list the binary tensor extension, and it "
            "hands JSON text to the model as it is, so an image cannot reach the model: turn the extension on"
        )
    return False


def binary_numbers(server_metadata: Any) -> bool:
    """Whether the server takes numeric tensors (pixels) as binary data, whatever it does with BYTES."""
    return (
        "binary_tensor_data" in extensions(server_metadata)
        or server_name(server_metadata) in BINARY_NUMBERS_ONLY
    )


def json_note(server_metadata: Any) -> str:
    """What to tell the user about a server that takes images only as base64 text and is not known to decode
    it ("" where it is): the model itself must then decode the text."""
    if server_name(server_metadata) in BASE64_DECODERS or "annotation_profile" in extensions(server_metadata):
        return ""
    name = server_name(server_metadata) or "the server"
    return (
        f"{name} lists neither the binary tensor extension nor the annotation profile: images go as base64 "
        "text marked content_type=base64, which the model must decode if the server does not"
    )


def config_request(model_path: str) -> HttpRequest:
    return HttpRequest("GET", f"{model_path}/config")


def from_config(config: Any) -> dict[str, Any] | None:
    """The profile in a Triton model configuration's `parameters`: one `annotation_profile` key holding the
    profile's JSON, or one key per field (lists as JSON, or comma-separated names). None when absent."""
    params = config.get("parameters") if isinstance(config, dict) else None
    if not isinstance(params, dict):
        return None
    values = {k: v.get("string_value") for k, v in params.items() if isinstance(v, dict)}
    whole = values.get(PROFILE_OUTPUT)
    if isinstance(whole, str):
        return _json_object(whole, "the model configuration's annotation_profile parameter")
    if not isinstance(values.get("task"), str):
        return None
    profile: dict[str, Any] = {}
    for field in PROFILE_FIELDS:
        value = values.get(field)
        if not isinstance(value, str):
            continue
        if field in LIST_FIELDS:
            profile[field] = _list_value(value, field)
        else:
            profile[field] = value
    return profile


def _list_value(text: str, field: str) -> list[Any]:
    text = text.strip()
    if text.startswith("["):
        try:
            value = json.loads(text)
        except ValueError:
            raise InferenceError(
                f"the model configuration's '{field}' parameter is not a JSON list"
            ) from None
        if isinstance(value, list):
            return value
    return [part.strip() for part in text.split(",") if part.strip()]


def _json_object(text: str, where: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        raise InferenceError(f"{where} is not JSON: {text[:80]!r}") from None
    if not isinstance(value, dict):
        raise InferenceError(f"{where} should be a JSON object with task and labels")
    return value


def has_profile_output(metadata: Any) -> bool:
    outputs = metadata.get("outputs") if isinstance(metadata, dict) else None
    return isinstance(outputs, list) and any(
        isinstance(o, dict) and o.get("name") == PROFILE_OUTPUT for o in outputs
    )


def profile_request(model: str, input_name: str, *, binary: bool) -> HttpRequest:
    """Asks the model for its `annotation_profile` output alone, with a 1x1 image as its input."""
    head: dict[str, Any] = {"id": "annotation-profile", "outputs": [{"name": PROFILE_OUTPUT}]}
    return image_request(
        f"/v2/models/{quote(model, safe='')}/infer", head, input_name, PROBE_IMAGE, binary=binary
    )


def image_request(
    path: str,
    head: dict[str, Any],
    input_name: str,
    image: bytes,
    *,
    binary: bool,
    more: Sequence[dict[str, Any]] = (),
) -> HttpRequest:
    """An infer request whose input is the encoded image (BYTES [1]), sent as the server understands, and
    `more` small tensors (an interactive model's clicks) after it as JSON data, which every server reads."""
    import base64

    tensor: dict[str, Any] = {"name": input_name, "shape": [1], "datatype": "BYTES"}
    head = {**head, "inputs": [tensor, *more]}
    if binary:
        raw = struct.pack("<I", len(image)) + image
        tensor["parameters"] = {"binary_data_size": len(raw)}
        header = json.dumps(head).encode()
        headers = {"Content-Type": "application/octet-stream", HEADER_LENGTH: str(len(header))}
        return HttpRequest("POST", path, header + raw, headers)
    # JSON carries only text: base64, marked for the servers that decode the mark (MLServer, LabelAssist's);
    # binary_transport refused the servers that would hand it to the model as it is
    tensor["parameters"] = {"content_type": "base64"}
    tensor["data"] = [base64.b64encode(image).decode("ascii")]
    return HttpRequest("POST", path, json.dumps(head).encode(), {"Content-Type": "application/json"})


def from_output(body: bytes, header_length: str | None) -> dict[str, Any]:
    """The profile from an answer's `annotation_profile` output."""
    _, outputs = read_response(body, header_length)
    value = outputs.get(PROFILE_OUTPUT)
    if not isinstance(value, list) or len(value) != 1:
        raise InferenceError(
            f"the model lists an '{PROFILE_OUTPUT}' output but did not answer it as BYTES [1]"
        )
    return _json_object(value[0], f"the model's '{PROFILE_OUTPUT}' output")


def find(
    model: str, metadata: dict[str, Any], server: Any, binary: bool, send: Send
) -> dict[str, Any] | None:
    """The profile's fields from wherever this server keeps them, or None for a model without a profile."""
    params = metadata.get("parameters")
    if isinstance(params, dict) and "task" in params:
        return params
    if "model_configuration" in extensions(server):
        fields = from_config(send(config_request(f"/v2/models/{quote(model, safe='')}")).json())
        if fields is not None:
            return fields
    if has_profile_output(metadata):
        inputs = metadata.get("inputs")
        first = inputs[0] if isinstance(inputs, list) and inputs and isinstance(inputs[0], dict) else {}
        answer = send(profile_request(model, str(first.get("name", "image")), binary=binary))
        return from_output(answer.body, answer.headers.get(HEADER_LENGTH.lower()))
    return None
