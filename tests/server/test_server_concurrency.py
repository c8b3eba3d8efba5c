"""Concurrent clients on the real people pack: every answer is complete and the same as a lone request's."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import requests
from server_test_support import infer, json_request, sample_bytes

tritonhttp = pytest.importorskip("tritonclient.http")

JOBS = [
    ("face", "astronaut.jpg"),
    ("pose", "grace_hopper.jpg"),
    ("hands", "hand.jpg"),
    ("person-segmentation", "camera.png"),
    ("face", "grace_hopper.jpg"),
    ("pose", "basketball.png"),
]


def test_concurrent_clients_get_their_own_answers(people_server):
    expected = {job: infer(people_server.url, job[0], sample_bytes(job[1])) for job in JOBS}

    def call(index: int):
        model, sample = JOBS[index % len(JOBS)]
        body = json_request(sample_bytes(sample), request_id=f"r{index}")
        response = requests.post(f"{people_server.url}/v2/models/{model}/infer", json=body, timeout=120)
        return index, response

    with ThreadPoolExecutor(8) as executor:
        results = list(executor.map(call, range(24)))
    for index, response in results:
        assert response.status_code == 200, response.text
        payload = response.json()
        assert payload["id"] == f"r{index}"
        job = JOBS[index % len(JOBS)]
        boxes = next(o for o in payload["outputs"] if o["name"] == "boxes")
        np.testing.assert_allclose(
            np.reshape(boxes["data"], boxes["shape"]), expected[job]["boxes"], rtol=1e-5
        )
    stats = requests.get(f"{people_server.url}/v2/models/stats", timeout=10).json()["model_stats"]
    assert sum(s["inference_stats"]["fail"]["count"] for s in stats) == 0


def test_tritonclient_on_a_real_model(people_server):
    client = tritonhttp.InferenceServerClient(url=people_server.url.removeprefix("http://"))
    try:
        image = tritonhttp.InferInput("image", [1], "BYTES")
        image.set_data_from_numpy(np.array([sample_bytes("hand.jpg")], dtype=object), binary_data=True)
        result = client.infer("hands", [image])
        assert result.as_numpy("keypoints").shape == (1, 21, 3)
        assert [v.decode() for v in result.as_numpy("labels")] == ["hand"]
        assert client.get_model_metadata("hands")["parameters"]["skeleton"][0] == [0, 1]
    finally:
        client.close()
