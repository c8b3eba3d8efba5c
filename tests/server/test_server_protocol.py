"""The Open Inference Protocol routes and our annotation profile, over real HTTP."""

from __future__ import annotations

import json

import numpy as np
import pytest
import requests
from server_test_support import (
    FixedModel,
    binary_request,
    infer,
    json_request,
    outputs_by_name,
    parse_binary_response,
    sample_bytes,
)

IMAGE = "astronaut.jpg"  # 512×512


@pytest.fixture
def fixed(make_server):
    model = FixedModel()
    return model, make_server([model])


def test_health_and_server_metadata(fixed):
    _, server = fixed
    assert requests.get(f"{server.url}/v2/health/live", timeout=10).status_code == 200
    assert requests.get(f"{server.url}/v2/health/ready", timeout=10).status_code == 200
    meta = requests.get(f"{server.url}/v2", timeout=10).json()
    assert meta["name"] == "labelassist-server"
    assert {"binary_tensor_data", "statistics", "model_repository"} <= set(meta["extensions"])


def test_model_metadata_carries_the_annotation_profile(fixed):
    _, server = fixed
    meta = requests.get(f"{server.url}/v2/models/fixed", timeout=10).json()
    assert meta["inputs"] == [{"name": "image", "datatype": "BYTES", "shape": [1]}]
    assert [o["name"] for o in meta["outputs"]] == [
        "boxes",
        "scores",
        "labels",
        "polygons",
        "keypoints",
        "notes",
    ]
    assert meta["parameters"] == {
        "task": "segment",
        "labels": ["cat", "dog"],
        "keypoint_names": ["a", "b"],
        "skeleton": [[0, 1]],
        "version": "fixed-1",
    }
    assert requests.get(f"{server.url}/v2/models/fixed/versions/1", timeout=10).json() == meta
    assert requests.get(f"{server.url}/v2/models/fixed/ready", timeout=10).status_code == 200


def test_repository_index_lists_the_models(make_server):
    server = make_server([FixedModel("one"), FixedModel("two")])
    index = requests.post(f"{server.url}/v2/repository/index", json={}, timeout=10).json()
    assert [(e["name"], e["state"]) for e in index] == [("one", "READY"), ("two", "READY")]


def test_json_infer_sorts_filters_and_echoes_the_id(fixed):
    _, server = fixed
    body = json_request(sample_bytes(IMAGE), request_id="gen-42")
    payload = requests.post(f"{server.url}/v2/models/fixed/infer", json=body, timeout=10).json()
    assert payload["id"] == "gen-42"
    assert payload["model_name"] == "fixed"
    out = outputs_by_name(payload)
    # the 0.03 detection is below the default floor of 0.05; the rest come by descending score
    assert out["labels"] == ["dog", "cat"]
    np.testing.assert_allclose(out["scores"], [0.9, 0.2], rtol=1e-6)
    np.testing.assert_allclose(out["boxes"], [[1, 2, 3, 4], [0, 0, 256, 256]])
    assert json.loads(out["polygons"][1]) == [[[0, 0], [256, 0], [0, 256]]]
    assert out["keypoints"].shape == (2, 2, 3)
    assert out["notes"] == ["high", "low"]


def test_confidence_and_max_detections_parameters(fixed):
    _, server = fixed
    assert infer(server.url, "fixed", sample_bytes(IMAGE), confidence=0.0)["labels"] == ["dog", "cat", "cat"]
    assert infer(server.url, "fixed", sample_bytes(IMAGE), confidence=0.5)["labels"] == ["dog"]
    assert infer(server.url, "fixed", sample_bytes(IMAGE), max_detections=1)["labels"] == ["dog"]
    empty = infer(server.url, "fixed", sample_bytes(IMAGE), confidence=1.0)
    assert empty["boxes"].shape == (0, 4) and empty["keypoints"].shape == (0, 2, 3)


def test_binary_input_and_outputs_match_json(fixed):
    _, server = fixed
    reference = infer(server.url, "fixed", sample_bytes(IMAGE))
    body, headers = binary_request(sample_bytes(IMAGE), binary_outputs=True)
    response = requests.post(f"{server.url}/v2/models/fixed/infer", data=body, headers=headers, timeout=10)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/octet-stream"
    binary = parse_binary_response(response)
    assert binary.keys() == reference.keys()
    for name, value in reference.items():
        if isinstance(value, list):
            assert binary[name] == value
        else:
            np.testing.assert_array_equal(binary[name], value)


def test_binary_input_with_json_outputs_and_a_chosen_subset(fixed):
    _, server = fixed
    body, headers = binary_request(
        sample_bytes(IMAGE),
        binary_outputs=False,
        outputs=[{"name": "labels"}, {"name": "boxes", "parameters": {"binary_data": False}}],
    )
    response = requests.post(f"{server.url}/v2/models/fixed/infer", data=body, headers=headers, timeout=10)
    assert response.status_code == 200, response.text
    assert "Inference-Header-Content-Length" not in response.headers
    assert [o["name"] for o in response.json()["outputs"]] == ["labels", "boxes"]


def test_stats_and_metrics_count_successes_and_failures(fixed):
    _, server = fixed
    infer(server.url, "fixed", sample_bytes(IMAGE))
    bad = requests.post(f"{server.url}/v2/models/fixed/infer", json=json_request(b"not an image"), timeout=10)
    assert bad.status_code == 400
    stats = requests.get(f"{server.url}/v2/models/fixed/stats", timeout=10).json()["model_stats"][0]
    assert stats["name"] == "fixed"
    assert stats["inference_count"] == 1
    assert stats["inference_stats"]["success"]["count"] == 1
    assert stats["inference_stats"]["fail"]["count"] == 1
    assert stats["inference_stats"]["compute_infer"]["ns"] > 0
    assert stats["last_inference"] > 0
    metrics = requests.get(f"{server.url}/metrics", timeout=10).text
    assert 'nv_inference_request_success{model="fixed",version="1"} 1' in metrics
    assert 'nv_inference_request_failure{model="fixed",version="1"} 1' in metrics
