"""Triton's statistics answers: the deployment's own model is read, never whichever entry comes first."""

from __future__ import annotations

import json
from typing import Any

import pytest

from app.inference.adapters.oip_stats import ModelStats, model_stats_request, parse_stats
from app.inference.errors import InferenceError
from app.inference.server_counts import NO_COUNT, count_cell
from app.models import Deployment, Protocol


def _entry(name: str, count: int, version: str | None = "1", infer_ms: float = 10.0) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "name": name,
        "last_inference": 1700000000000,
        "inference_count": count,
        "execution_count": count,
        "inference_stats": {
            "success": {"count": count, "ns": 0},
            "compute_infer": {"count": count, "ns": int(count * infer_ms * 1e6)},
        },
        "batch_stats": [],
    }
    if version is not None:
        entry["version"] = version
    return entry


def _answer(*entries: dict[str, Any]) -> bytes:
    return json.dumps({"model_stats": list(entries)}).encode()


TWENTY = _answer(*[_entry(f"model-{i}", 100 + i) for i in range(18)], _entry("face", 7), _entry("pose", 0))


def test_the_deployments_model_is_read_among_many() -> None:
    assert parse_stats(TWENTY, "face") == ModelStats(inferences=7, compute_ms=pytest.approx(10.0))
    assert parse_stats(TWENTY, "pose") == ModelStats(inferences=0, compute_ms=None)


def test_a_model_the_answer_does_not_list_has_no_count() -> None:
    assert parse_stats(TWENTY, "person-segmentation") is None
    assert parse_stats(_answer(), "face") is None
    assert parse_stats(_answer(_entry("Face", 3)), "face") is None  # names are matched exactly


def test_versions_are_summed_unless_one_is_asked_for() -> None:
    body = _answer(
        _entry("face", 2, "1", infer_ms=10), _entry("face", 6, "2", infer_ms=30), _entry("pose", 9, "2")
    )
    assert parse_stats(body, "face") == ModelStats(inferences=8, compute_ms=pytest.approx(25.0))
    assert parse_stats(body, "face", "2") == ModelStats(inferences=6, compute_ms=pytest.approx(30.0))
    assert parse_stats(body, "face", "3") is None


def test_an_entry_without_a_version_is_a_server_without_versions() -> None:
    body = _answer(_entry("face", 4, version=None), _entry("pose", 1))
    assert parse_stats(body, "face", "1") == ModelStats(inferences=4, compute_ms=pytest.approx(10.0))


def test_numbers_written_as_strings_are_read() -> None:
    """The protobuf JSON mapping writes 64-bit integers as strings."""
    body = _answer({"name": "face", "version": "1", "inference_count": "5", "inference_stats": {}})
    assert parse_stats(body, "face") == ModelStats(inferences=5, compute_ms=None)


def test_another_models_odd_entry_is_none_of_our_business() -> None:
    body = _answer({"name": "broken", "inference_count": "many"}, "not an entry", _entry("face", 1))
    assert parse_stats(body, "face") == ModelStats(inferences=1, compute_ms=pytest.approx(10.0))


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b"<html>nope</html>", "not JSON"),
        (b'{"models": []}', "no 'model_stats' list"),
        (_answer({"name": "face", "inference_count": -1}), "do not fit Triton's shape"),
        (_answer({"name": "face"}), "do not fit Triton's shape"),
    ],
)
def test_an_answer_that_does_not_fit_is_refused_in_plain_words(body: bytes, words: str) -> None:
    with pytest.raises(InferenceError, match=words):
        parse_stats(body, "face")


def test_the_per_model_routes() -> None:
    assert model_stats_request("person-segmentation").path == "/v2/models/person-segmentation/stats"
    assert model_stats_request("a/b", "2").path == "/v2/models/a%2Fb/versions/2/stats"
    assert model_stats_request("face").method == "GET"


def test_the_cell_says_a_dash_for_no_count() -> None:
    oip = Deployment(name="faces", url="http://127.0.0.1:9", model="face")
    text, tip = count_cell(None, oip)
    assert text == NO_COUNT == "—" and "no statistics" in tip and "'face'" in tip
    text, tip = count_cell(None, oip.model_copy(update={"protocol": Protocol.ROBOFLOW}))
    assert text == "—" and "Open Inference Protocol" in tip


def test_the_cell_shows_the_count_and_model_time() -> None:
    d = Deployment(name="faces", url="http://127.0.0.1:9", model="face")
    assert count_cell(ModelStats(3, 12.4), d)[0] == "3 inferences, 12 ms compute"
    assert count_cell(ModelStats(1, None), d)[0] == "1 inference"
    assert count_cell(ModelStats(2, 0.2), d)[0] == "2 inferences, <1 ms compute"
    assert "counted by its server" in count_cell(ModelStats(0, None), d)[1]
