"""Compatibility proof: NVIDIA's tritonclient[http] drives the server (health, metadata, infer)."""

from __future__ import annotations

import base64

import numpy as np
import pytest
from server_test_support import FixedModel, infer, sample_bytes

tritonhttp = pytest.importorskip("tritonclient.http")
from tritonclient.utils import InferenceServerException  # noqa: E402

JPEG = sample_bytes("astronaut.jpg")


@pytest.fixture
def client(make_server):
    server = make_server([FixedModel()])
    connection = tritonhttp.InferenceServerClient(url=server.url.removeprefix("http://"))
    yield connection, server
    connection.close()


def test_health_and_metadata(client):
    connection, _ = client
    assert connection.is_server_live()
    assert connection.is_server_ready()
    assert connection.is_model_ready("fixed")
    assert not connection.is_model_ready("missing")
    assert connection.get_server_metadata()["name"] == "labelassist-server"
    metadata = connection.get_model_metadata("fixed")
    assert metadata["parameters"]["task"] == "segment"
    assert [entry["name"] for entry in connection.get_model_repository_index()] == ["fixed"]
    stats = connection.get_inference_statistics("fixed")
    assert stats["model_stats"][0]["name"] == "fixed"


@pytest.mark.parametrize("binary_input", [True, False])
@pytest.mark.parametrize("binary_output", [True, False])
def test_infer(client, binary_input, binary_output):
    connection, server = client
    image = tritonhttp.InferInput("image", [1], "BYTES")
    # JSON BYTES must be UTF-8 text, so without the binary extension the file travels as base64
    payload = JPEG if binary_input else base64.b64encode(JPEG)
    image.set_data_from_numpy(np.array([payload], dtype=object), binary_data=binary_input)
    names = ["boxes", "scores", "labels", "polygons", "keypoints"]
    outputs = [tritonhttp.InferRequestedOutput(name, binary_data=binary_output) for name in names]
    result = connection.infer(
        "fixed", [image], outputs=outputs, request_id="req-7", parameters={"confidence": 0.1}
    )
    assert result.get_response()["id"] == "req-7"
    reference = infer(server.url, "fixed", JPEG, confidence=0.1)
    np.testing.assert_array_equal(result.as_numpy("boxes"), reference["boxes"])
    np.testing.assert_array_equal(result.as_numpy("keypoints"), reference["keypoints"])
    labels = [v.decode() if isinstance(v, bytes) else v for v in result.as_numpy("labels")]
    assert labels == reference["labels"] == ["dog", "cat"]


def test_errors_reach_the_client_as_messages(client):
    connection, _ = client
    image = tritonhttp.InferInput("image", [1], "BYTES")
    image.set_data_from_numpy(np.array([b"not an image"], dtype=object), binary_data=True)
    with pytest.raises(InferenceServerException, match="could not be decoded"):
        connection.infer("fixed", [image])
    with pytest.raises(InferenceServerException, match="unknown model"):
        connection.infer("missing", [image])
