"""The client reads the server's own count for the deployment's model from real HTTP servers on 127.0.0.1:
the reference server's per-model route, a Triton-like server that has only `/v2/models/stats`, and servers
with no statistics at all."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests
from box_models import box_server
from route_server import RouteServer, Seen

from app.inference.adapters.oip_stats import ModelStats
from app.inference.client import InferenceClient
from app.inference.errors import InferenceError
from app.inference.server_counts import _read_count
from app.models import Deployment

SAMPLE = Path(__file__).resolve().parents[2] / "resources" / "samples" / "cat.png"
MODELS = ("face", "person-segmentation", "pose")


def _entry(name: str, count: int) -> dict[str, object]:
    return {"name": name, "version": "1", "inference_count": count, "inference_stats": {}}


ALL_STATS = json.dumps(
    {
        "model_stats": [_entry(f"other-{i}", 50 + i) for i in range(18)]
        + [_entry("face", 1), _entry("person-segmentation", 3)]
    }
).encode()


@pytest.fixture
def reference_url() -> Iterator[str]:
    with box_server(*MODELS) as url:
        yield url


def _infer(url: str, model: str) -> None:
    data = base64.b64encode(SAMPLE.read_bytes()).decode()
    body = {
        "inputs": [
            {
                "name": "image",
                "shape": [1],
                "datatype": "BYTES",
                "data": [data],
                "parameters": {"content_type": "base64"},
            }
        ]
    }
    assert requests.post(f"{url}/v2/models/{model}/infer", json=body, timeout=30).status_code == 200


@pytest.fixture
def make_routes() -> Iterator[Callable[[dict], RouteServer]]:  # type: ignore[type-arg]
    """Factory: a RouteServer answering the given routes (404 for the rest); stopped after the test."""
    started: list[RouteServer] = []

    def make(routes: dict) -> RouteServer:  # type: ignore[type-arg]
        started.append(RouteServer(routes))
        return started[-1]

    yield make
    for server in started:
        server.stop()


def test_each_model_of_a_reference_server_has_its_own_count(reference_url: str) -> None:
    for _ in range(3):
        _infer(reference_url, "person-segmentation")
    _infer(reference_url, "face")
    client = InferenceClient()
    counts = {m: client.stats(Deployment(name=m, url=reference_url, model=m), None) for m in MODELS}
    assert {m: s.inferences for m, s in counts.items() if s} == {
        "face": 1,
        "person-segmentation": 3,
        "pose": 0,
    }
    assert counts["pose"] == ModelStats(0, None)
    d = Deployment(name="seg", url=reference_url, model="person-segmentation")
    assert client.stats(d, None, version="1") == counts["person-segmentation"]
    assert client.stats(d, None, version="9") is None  # 404 there, and no entry of version 9 in all models'
    assert client.stats(Deployment(name="typo", url=reference_url, model="hands"), None) is None


def test_a_server_with_only_the_all_models_route_is_read_for_the_right_model(make_routes) -> None:  # type: ignore[no-untyped-def]
    server = make_routes({("GET", "/v2/models/stats"): lambda _s: (200, ALL_STATS)})
    client = InferenceClient()
    seg = Deployment(name="seg", url=server.url, model="person-segmentation")
    assert client.stats(seg, None) == ModelStats(3, None)
    assert [s.path for s in server.seen] == ["/v2/models/person-segmentation/stats", "/v2/models/stats"]
    server.seen.clear()
    assert client.stats(seg, None) == ModelStats(3, None)
    assert [s.path for s in server.seen] == ["/v2/models/stats"], "the missing route is not asked again"
    assert client.stats(Deployment(name="face", url=server.url, model="face"), None) == ModelStats(1, None)
    assert client.stats(Deployment(name="pose", url=server.url, model="pose"), None) is None


def test_a_server_without_statistics_has_no_count(make_routes) -> None:  # type: ignore[no-untyped-def]
    d = Deployment(name="plain", url=make_routes({}).url, model="face")
    assert InferenceClient().stats(d, None) is None
    assert _read_count(InferenceClient(), d, None)[0] == "—"


def test_a_failing_statistics_route_is_not_shown_as_a_count(make_routes) -> None:  # type: ignore[no-untyped-def]
    def broken(_seen: Seen) -> tuple[int, bytes]:
        return 500, b'{"error": "stats are down"}'

    d = Deployment(
        name="faces", url=make_routes({("GET", "/v2/models/face/stats"): broken}).url, model="face"
    )
    with pytest.raises(InferenceError, match="stats are down"):
        InferenceClient().stats(d, None)
    text, tip = _read_count(InferenceClient(), d, None)
    assert text == "—" and "could not be read" in tip and "stats are down" in tip
