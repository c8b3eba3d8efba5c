"""`labelassist-server --ray-serve`: the same Open Inference Protocol API from replicas behind Ray Serve's
HTTP proxy on 127.0.0.1; the app's client and NVIDIA's tritonclient use it unchanged and get the answers
the plain server gives."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
from projects import SAMPLES

from app.inference.adapters import ImageInput
from app.inference.client import InferenceClient
from app.models import Deployment
from server.cli import build_parser
from server.settings import ServerSettings

pytestmark = pytest.mark.ray
PHOTO = (SAMPLES / "astronaut.jpg").read_bytes()


@pytest.fixture
def served_url(ray_cluster: None, people_models) -> Iterator[str]:  # type: ignore[no-untyped-def]
    from ray import serve

    from server import ray_serve

    args = build_parser().parse_args(["--ray-serve", "--replicas", "2", "--people", "face", "--port", "0"])
    url = ray_serve.start(args, ServerSettings())
    yield url
    ray_serve.stop()
    serve.shutdown()


def faces(url: str) -> list:  # type: ignore[type-arg]
    client, d = InferenceClient(), Deployment(name="face", url=url, model="face")
    probe = client.probe(d, None)
    image = ImageInput(PHOTO, "astronaut.jpg", 512, 512)
    return client.infer(d, None, image, floor=0.05, probe=probe, request_id="img-1/gen-1").predictions


def test_two_replicas_answer_the_app_and_tritonclient_as_the_plain_server_does(
    served_url: str, people_url: str
) -> None:
    from ray import serve

    from server.ray_serve import APP_NAME

    assert served_url.startswith("http://127.0.0.1:")
    deployment = serve.status().applications[APP_NAME].deployments[APP_NAME]
    assert deployment.replica_states == {"RUNNING": 2}
    served = faces(served_url)
    assert served and served == faces(people_url)

    tritonhttp = pytest.importorskip("tritonclient.http")
    triton = tritonhttp.InferenceServerClient(url=served_url.removeprefix("http://"))
    try:
        assert triton.is_server_ready() and triton.is_model_ready("face")
        image = tritonhttp.InferInput("image", [1], "BYTES")
        image.set_data_from_numpy(np.array([PHOTO], dtype=object), binary_data=True)
        result = triton.infer("face", [image], request_id="req-7", parameters={"confidence": 0.05})
        assert result.get_response()["id"] == "req-7"
        boxes = [[p.box.x1, p.box.y1, p.box.x2, p.box.y2] for p in served]
        np.testing.assert_allclose(result.as_numpy("boxes"), boxes, rtol=1e-6)
    finally:
        triton.close()
