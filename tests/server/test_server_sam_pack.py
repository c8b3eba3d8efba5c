"""`--sam-pack DIR`: a SAM-family ONNX pack served as an interactive segmentation model — image, clicks and
box in, one mask out — and the app's remote click-to-segment engine talking to it over HTTP."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest
import requests
import tiny_sam
from server_test_support import json_request, outputs_by_name, sample_bytes

from app.assist.remote_segment import RemoteEngine
from app.inference.client import InferenceClient
from app.masks import decode_rle
from app.models import Deployment
from app.segment.engine import Picture, Prompt
from app.segment.outline import outline
from server.app import create_app
from server.background import BackgroundServer
from server.cli import build_parser, build_registry

DOG = sample_bytes("dog.jpg")  # 768 × 576
RADIUS_PX = tiny_sam.RADIUS * 768 / tiny_sam.FRAME  # the tiny pack's disc, in the photo's pixels


@pytest.fixture(scope="module")
def sam(tmp_path_factory):  # type: ignore[no-untyped-def]
    pack = tiny_sam.make_pack(tmp_path_factory.mktemp("pack"))
    registry = build_registry(build_parser().parse_args(["--no-people", "--sam-pack", str(pack)]))
    server = BackgroundServer(create_app(registry))
    yield server.url, registry.get("sam")
    server.stop()


def prompted(points: list[tuple[float, float, int]], box: list[float] | None = None) -> dict:  # type: ignore[type-arg]
    body = json_request(DOG, request_id="click-1")
    body["inputs"] += [
        {
            "name": "point_coords",
            "shape": [len(points), 2],
            "datatype": "FP32",
            "data": [v for x, y, _ in points for v in (x, y)],
        },
        {"name": "point_labels", "shape": [len(points)], "datatype": "FP32", "data": [p[2] for p in points]},
    ]
    if box is not None:
        body["inputs"].append({"name": "box", "shape": [4], "datatype": "FP32", "data": box})
    return body


def centre_and_radius(mask: np.ndarray) -> tuple[float, float, float]:
    ys, xs = np.nonzero(mask)
    return float(xs.mean()) + 0.5, float(ys.mean()) + 0.5, float(np.sqrt(mask.sum() / np.pi))


def test_metadata_lists_the_prompt_inputs(sam) -> None:  # type: ignore[no-untyped-def]
    url, _ = sam
    meta = requests.get(f"{url}/v2/models/sam", timeout=10).json()
    assert [i["name"] for i in meta["inputs"]] == ["image", "point_coords", "point_labels", "box"]
    assert meta["parameters"]["task"] == "segment" and meta["parameters"]["labels"] == ["object"]
    assert meta["parameters"]["version"].startswith("tiny_sam-")  # the pack's name and SHA-256
    assert "masks" in [o["name"] for o in meta["outputs"]]


def test_a_click_gives_one_mask_around_it_and_the_embedding_is_kept(sam) -> None:  # type: ignore[no-untyped-def]
    url, model = sam
    before = model.embeddings.computed
    for x, y in ((230.0, 400.0), (260.0, 300.0)):
        r = requests.post(f"{url}/v2/models/sam/infer", json=prompted([(x, y, 1), (600, 100, 0)]), timeout=30)
        assert r.status_code == 200, r.text
        assert r.json()["id"] == "click-1"
        out = outputs_by_name(r.json())
        mask = decode_rle(json.loads(out["masks"][0]))
        assert mask.shape == (576, 768)
        cx, cy, radius = centre_and_radius(mask)
        assert (cx, cy) == (pytest.approx(x, abs=1.5), pytest.approx(y, abs=1.5))
        assert radius == pytest.approx(RADIUS_PX, rel=0.05)
        assert out["scores"][0] == pytest.approx(tiny_sam.SCORE)
        assert out["labels"] == ["object"] and json.loads(out["polygons"][0])[0]
    assert model.embeddings.computed == before + 1  # the second click on the same image ran the decoder only


def test_a_box_alone_is_a_prompt(sam) -> None:  # type: ignore[no-untyped-def]
    url, _ = sam
    r = requests.post(f"{url}/v2/models/sam/infer", json=prompted([], box=[100, 200, 300, 500]), timeout=30)
    cx, cy, _ = centre_and_radius(decode_rle(json.loads(outputs_by_name(r.json())["masks"][0])))
    assert (cx, cy) == (pytest.approx(200, abs=1.5), pytest.approx(350, abs=1.5))


def test_an_image_without_a_prompt_is_refused_with_what_to_send(sam) -> None:  # type: ignore[no-untyped-def]
    url, _ = sam
    r = requests.post(f"{url}/v2/models/sam/infer", json=json_request(DOG), timeout=30)
    assert r.status_code == 400 and "point_coords" in r.json()["error"]
    r = requests.post(f"{url}/v2/models/sam/infer", json=prompted([(1e40, 0, 1)]), timeout=30)
    assert r.status_code == 400


def test_the_apps_remote_engine_segments_through_it(sam) -> None:  # type: ignore[no-untyped-def]
    url, _ = sam
    engine = RemoteEngine(Deployment(name="sam here", url=url, model="sam"), InferenceClient(), lambda: None)
    big = cv2.resize(cv2.imdecode(np.frombuffer(DOG, np.uint8), cv2.IMREAD_COLOR), (1536, 1152))
    picture = Picture(big, scale=2.0)  # a 3072 × 2304 image, decoded at half size
    sent = engine.prepare(picture)
    found = outline(engine.segment(picture, sent, Prompt(positive=((2000.0, 1000.0),)), (0, 0, 3072, 2304)))
    b = found.polygon.bounds()
    assert ((b.x1 + b.x2) / 2, (b.y1 + b.y2) / 2) == (pytest.approx(2000, abs=8), pytest.approx(1000, abs=8))
    assert b.width == pytest.approx(2 * tiny_sam.RADIUS * 3072 / tiny_sam.FRAME, rel=0.05)


def test_a_deployment_that_takes_no_clicks_is_named(fake_oip) -> None:  # type: ignore[no-untyped-def]
    engine = RemoteEngine(
        Deployment(name="boxes", url=fake_oip.url, model="fake"), InferenceClient(), lambda: None
    )
    with pytest.raises(Exception, match="does not segment from clicks"):
        engine.prepare(Picture(np.zeros((10, 10, 3), np.uint8)))
