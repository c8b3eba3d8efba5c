"""Fuzzed bodies through every adapter's response parser and the reference server's request parser: nothing
but the project's error type comes out (InferenceError in the app, ClientError in the server).

FAULT_FUZZ_BODIES bodies per parser (`make soak`: 10,000; `make test`: 300).
"""

from __future__ import annotations

import os
import struct
from collections.abc import Callable

import fuzz_bodies as fb
import pytest
from fault_figures import count
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.inference.adapters import HttpResponse, ImageInput, Probe, adapter_for
from app.inference.adapters.oip import OipAdapter, parse_metadata
from app.inference.adapters.oip_layouts import find_layout
from app.inference.adapters.oip_stats import parse_stats
from app.inference.adapters.oip_tensors import HEADER_LENGTH
from app.inference.client import _expect_json, _status_text
from app.inference.errors import InferenceError
from app.models import Deployment, ModelInfo, Protocol, Task
from server.errors import ClientError
from server.infer_steps import read_call
from server.model import ModelInfo as ServedInfo

BODIES = int(os.environ.get("FAULT_FUZZ_BODIES", "300"))
# About 5 ms a body: the soak's 10,000 take under a minute per parser.
pytestmark = pytest.mark.timeout(120 + BODIES // 50)
FUZZ = settings(
    max_examples=BODIES,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
    print_blob=True,
)
IMAGE = ImageInput(b"", "photo.jpg", 640, 480, "http://127.0.0.1:1/photo.jpg")
KEYPOINTS = ModelInfo(name="m", task=Task.KEYPOINTS, labels=("person",), keypoint_names=("nose", "eye"))


_PLAIN_METADATA = {
    "name": "det",
    "inputs": [{"name": "input_tensor", "datatype": "UINT8", "shape": [1, -1, -1, 3]}],
    "outputs": [
        {"name": n} for n in ("detection_boxes", "detection_scores", "detection_classes", "num_detections")
    ],
}


def _layout_probe() -> Probe:
    """What a plain detection model (no annotation profile) is probed as."""
    layout, model = find_layout(_PLAIN_METADATA)
    return Probe(model, False, layout.as_extra())


def _escapes(parser: str, run: Callable[[], object], allowed: type[Exception] = InferenceError) -> None:
    """Run one parse; count it, and count (then raise) anything but the allowed error."""
    count("fuzzed parsers", cases=1, escapes=0)
    try:
        run()
    except allowed as e:
        assert str(e).strip(), f"{parser}: an error without a message"
    except Exception:
        count("fuzzed parsers", escapes=1)
        raise


def _deployment(protocol: Protocol) -> Deployment:
    return Deployment(name="lying", url="http://127.0.0.1:9", model="m", protocol=protocol)


def _describe(protocol: Protocol, body: bytes, status: int = 200) -> Probe:
    """The adapter's probe, every request of it answered with `body`."""
    d = _deployment(protocol)

    def send(_request: object) -> HttpResponse:
        response = HttpResponse(status, {}, body)
        if status >= 400:
            raise InferenceError(_status_text(d, response), status=status)
        _expect_json(d, response)
        return response

    return adapter_for(protocol).describe(d, send)


def _infer(protocol: Protocol, body: bytes, probe: Probe, headers: dict[str, str] | None = None) -> object:
    response = HttpResponse(200, headers or {}, body)
    _expect_json(_deployment(protocol), response)
    return adapter_for(protocol).parse_infer(response, IMAGE, probe)


def _oip_binary(answer: object, lie: int, probe: Probe) -> object:
    """The answer as raw tensors, its header length told right or off by `lie`; an answer too mangled to
    be written as raw tensors goes as JSON with the lying header length."""
    outputs = answer.get("outputs") if isinstance(answer, dict) else None
    if isinstance(outputs, list) and all(
        isinstance(o, dict) and isinstance(o.get("data"), list) for o in outputs
    ):
        try:
            body, length = fb.binary_oip_body(answer)
        except (KeyError, TypeError, ValueError, OverflowError, struct.error):
            body, length = fb._encode(answer), 0
    else:
        body, length = fb._encode(answer), 0
    headers = {HEADER_LENGTH.lower(): str(length + lie)}
    return OipAdapter().parse_infer(HttpResponse(200, headers, body), IMAGE, probe)


OIP_CASES = st.one_of(
    st.tuples(st.just("infer"), fb.bodies(fb.oip_answer())),
    st.tuples(st.just("layout"), fb.bodies(fb.layout_answer())),
    st.tuples(
        st.just("binary"),
        st.tuples(fb.mutated(fb.oip_answer()), st.sampled_from([0, 0, 0, -1, 1, -10, 10**6])),
    ),
    st.tuples(st.just("describe"), fb.bodies(fb.METADATA)),
    st.tuples(st.just("metadata"), fb.bodies(fb.METADATA)),
    st.tuples(st.just("stats"), fb.bodies(fb.STATS)),
    st.tuples(st.just("status"), fb.bodies(fb.ANY_JSON)),
)


@FUZZ
@given(OIP_CASES)
def test_oip_parser_raises_only_inference_errors(case: tuple[str, object]) -> None:
    kind, body = case
    probe = Probe(KEYPOINTS)
    runs = {
        "infer": lambda: _infer(Protocol.OIP, body, probe),
        "layout": lambda: _infer(Protocol.OIP, body, _layout_probe()),
        "binary": lambda: _oip_binary(body[0], body[1], probe),
        "describe": lambda: _describe(Protocol.OIP, body),
        "metadata": lambda: parse_metadata(body),
        "stats": lambda: parse_stats(body, "m", "1"),
        "status": lambda: _describe(Protocol.OIP, body, status=503),
    }
    _escapes("oip", runs[kind])


@pytest.mark.parametrize(
    ("protocol", "answers", "descriptions"),
    [
        (Protocol.ROBOFLOW, fb.ROBOFLOW, fb.ANY_JSON),
        (Protocol.DATATURE, fb.DATATURE, fb.DATATURE_CLASSES),
        (Protocol.LABEL_STUDIO, fb.LABEL_STUDIO, fb.LABEL_STUDIO_HEALTH),
    ],
    ids=["roboflow", "datature", "label-studio"],
)
def test_json_adapters_raise_only_inference_errors(protocol: Protocol, answers, descriptions) -> None:
    probe = Probe(KEYPOINTS, extra={"server": "fuzz"})
    cases = st.one_of(
        st.tuples(st.just("infer"), fb.bodies(answers)),
        st.tuples(st.just("infer"), fb.bodies(answers)),
        st.tuples(st.just("describe"), fb.bodies(descriptions)),
        st.tuples(st.just("status"), fb.bodies(fb.ANY_JSON)),
    )

    @FUZZ
    @given(cases)
    def run(case: tuple[str, bytes]) -> None:
        kind, body = case
        if kind == "infer":
            _escapes(protocol.value, lambda: _infer(protocol, body, probe))
        else:
            _escapes(protocol.value, lambda: _describe(protocol, body, 200 if kind == "describe" else 500))

    run()


class _Served:
    info = ServedInfo(name="fixed", task=Task.DETECT, labels=("thing",), platform="test")


SERVER_CASES = st.one_of(
    st.tuples(fb.bodies(fb.server_request()), st.just(None)),
    st.tuples(fb.mutated(fb.server_request()), st.sampled_from([0, 0, -1, 1, -5, 10**9, "x"])),
)


@FUZZ
@given(SERVER_CASES)
def test_server_request_parser_raises_only_client_errors(case: tuple[object, object]) -> None:
    body, lie = case
    if lie is None:
        raw, header = body, None
    elif isinstance(body, dict):
        raw, length = fb.binary_server_request(body)
        header = str(length + lie) if isinstance(lie, int) else lie
    else:
        raw, header = fb._encode(body), "0"
    _escapes("server", lambda: read_call(_Served(), memoryview(raw), header, 4_000_000), ClientError)
