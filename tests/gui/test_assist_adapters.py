"""Each protocol end to end: a real HTTP server on 127.0.0.1 answering as that protocol's servers do (the
answers are the recorded ones of the adapter tests), the real window, M and S."""

from __future__ import annotations

import base64
import json
import urllib.request
from pathlib import Path

import pytest
from assist_driver import wait_for_suggestions
from gui_driver import key
from PySide6.QtCore import Qt
from route_server import RouteServer, Seen

from app.models import Box, Deployment, Protocol, State
from app.models.deployment import AuthStyle

FIXTURES = Path(__file__).resolve().parents[1] / "inference" / "fixtures"
TOKEN = "s3cret-key"


def _fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@pytest.fixture
def servers():  # type: ignore[no-untyped-def]
    started: list[RouteServer] = []

    def make(routes):  # type: ignore[no-untyped-def]
        server = RouteServer(routes)
        started.append(server)
        return server

    yield make
    for s in started:
        s.stop()


def _use(qtbot, w, d: Deployment):  # type: ignore[no-untyped-def]
    d = w.deployments.save(d, TOKEN)
    qtbot.waitUntil(lambda: w.deployments.status(d.id).state in (State.ONLINE, State.ERROR), timeout=15_000)
    assert w.deployments.status(d.id).state == State.ONLINE, w.deployments.status(d.id).message
    w.assist.select_deployment(d.id)
    w.assist.set_threshold(0.0)
    key(qtbot, w, Qt.Key.Key_M)
    wait_for_suggestions(qtbot, w)
    return d


def _commit_all(qtbot, w) -> list:  # type: ignore[no-untyped-def]
    shown = len(w.assist.shown())
    key(qtbot, w, Qt.Key.Key_S)
    stored = w.doc.session.store.annotations_for(w.doc.current_image.id)
    assert len(stored) == shown
    return stored


def test_roboflow(make_window, image_folder, servers, qtbot) -> None:
    answer = json.loads(_fixture("roboflow_object_detection.json"))  # the server saw a 640×480 image
    server = servers(
        {
            ("GET", "/info"): lambda s: (200, b'{"name": "Roboflow Inference Server", "version": "0.29.0"}'),
            ("GET", "/model/registry"): lambda s: (200, b'{"models": []}'),
            ("POST", "/forklifts/3"): lambda s: (200, json.dumps(answer).encode()),
        }
    )
    w = make_window(image_folder)
    _use(
        qtbot,
        w,
        Deployment(
            name="rf", url=server.url, model="forklifts/3", protocol=Protocol.ROBOFLOW, auth=AuthStyle.QUERY
        ),
    )
    (post,) = server.posts()
    assert post.query["api_key"] == [TOKEN] and "numpy" not in post.body.decode("ascii", "replace")
    assert base64.b64decode(post.body) == w.doc.current_path().read_bytes()
    img = w.doc.current_image
    by_label = {s.label: s.geometry for s in w.assist.shown()}
    assert set(by_label) == {"forklift", "person", "pallet"}
    sx, sy = img.width / 640, img.height / 480
    f = by_label["forklift"]  # centre 320,240, 100×50 → corners, in this image's pixels
    assert (f.x1, f.y1, f.x2, f.y2) == pytest.approx((270 * sx, 215 * sy, 370 * sx, 265 * sy))
    assert {a.provenance.deployment for a in _commit_all(qtbot, w)} == {"rf"}


def test_datature(make_window, image_folder, servers, qtbot) -> None:
    server = servers(
        {
            ("GET", "/abc123/classes"): lambda s: (200, _fixture("datature_classes.json")),
            ("POST", "/abc123/predict"): lambda s: (200, _fixture("datature_predict.json")),
        }
    )
    w = make_window(image_folder)
    _use(
        qtbot,
        w,
        Deployment(name="nexus", url=server.url + "/abc123", model="boats", protocol=Protocol.DATATURE),
    )
    (post,) = server.posts()
    assert post.headers["authorization"] == f"Bearer {TOKEN}"
    body = json.loads(post.body)
    assert (
        body["image_type"] == "base_64"
        and base64.b64decode(body["data"]) == w.doc.current_path().read_bytes()
    )
    img = w.doc.current_image
    boat = next(s.geometry for s in w.assist.shown() if s.label == "boat")  # normalised corners → pixels
    assert isinstance(boat, Box)
    assert (boat.x1, boat.y1, boat.x2, boat.y2) == pytest.approx(
        (0.25 * img.width, 0.5 * img.height, 0.5 * img.width, 0.75 * img.height)
    )
    _commit_all(qtbot, w)


def test_label_studio_fetches_the_image_from_a_loopback_url(
    make_window, image_folder, servers, qtbot
) -> None:
    fetched: list[bytes] = []

    def predict(seen: Seen):  # type: ignore[no-untyped-def]
        task = json.loads(seen.body)["tasks"][0]
        with urllib.request.urlopen(task["data"]["image"]) as r:  # as a Label Studio backend does
            fetched.append(r.read())
        return 200, _fixture("label_studio_v1.json")

    server = servers(
        {
            ("GET", "/health"): lambda s: (200, b'{"status": "UP", "model_class": "YOLO"}'),
            ("POST", "/predict"): predict,
        }
    )
    w = make_window(image_folder)
    _use(
        qtbot,
        w,
        Deployment(
            name="ls",
            url=server.url,
            model="yolo",
            protocol=Protocol.LABEL_STUDIO,
            labels=("car", "sign", "road"),
        ),
    )
    assert fetched == [w.doc.current_path().read_bytes()]
    config = json.loads(next(p for p in server.posts() if p.path == "/predict").body)["label_config"]
    assert '<Label value="car"/>' in config
    img = w.doc.current_image
    car = next(s.geometry for s in w.assist.shown() if s.label == "car")  # percent → pixels
    assert (car.x1, car.y1, car.x2, car.y2) == pytest.approx(
        (0.10 * img.width, 0.20 * img.height, 0.35 * img.width, 0.70 * img.height)
    )
    assert any(isinstance(s.geometry, Box) for s in w.assist.shown())
    _commit_all(qtbot, w)


def test_a_backend_error_is_reported_in_its_words(make_window, image_folder, servers, qtbot) -> None:
    server = servers(
        {
            ("GET", "/health"): lambda s: (200, b'{"status": "UP"}'),
            ("POST", "/predict"): lambda s: (500, b'{"error": "cannot fetch image"}'),
        }
    )
    w = make_window(image_folder)
    d = w.deployments.save(Deployment(name="ls", url=server.url, model="m", protocol=Protocol.LABEL_STUDIO))
    qtbot.waitUntil(lambda: w.deployments.status(d.id).state == State.ONLINE, timeout=15_000)
    w.assist.select_deployment(d.id)
    key(qtbot, w, Qt.Key.Key_M)
    qtbot.waitUntil(lambda: not w.assist.busy, timeout=10_000)
    assert (
        "HTTP 500" in w.deployments.last_error[d.id]
        and "cannot fetch image" in w.deployments.last_error[d.id]
    )
    (entry,) = w.deployments.log.entries(d.id)
    assert entry.status == 500


def test_an_oip_segmentation_model_that_answers_with_masks(
    make_window, image_folder, fake_oip, qtbot
) -> None:
    """Masks (COCO RLE) instead of polygons: the suggestion and the committed annotation are their outline."""
    import numpy as np
    from fake_oip import boxes_answer
    from pycocotools import mask as mask_utils

    w = make_window(image_folder)
    img = w.doc.current_image
    mask = np.zeros((img.height, img.width), np.uint8)
    mask[100:200, 50:250] = 1
    rle = mask_utils.encode(np.asfortranarray(mask))
    answer = boxes_answer([[50, 100, 250, 200]], [0.8], ["blob"])
    answer["outputs"].append(
        {
            "name": "masks",
            "datatype": "BYTES",
            "shape": [1],
            "data": [json.dumps({"size": rle["size"], "counts": rle["counts"].decode()})],
        }
    )
    fake_oip.metadata["parameters"] = {"task": "segment", "labels": ["blob"], "version": "fake-1"}
    fake_oip.behaviour = lambda image: (200, "application/json", json.dumps(answer).encode())
    _use(qtbot, w, Deployment(name="masks", url=fake_oip.url, model="fake"))
    (s,) = w.assist.shown()
    assert s.label == "blob"
    (stored,) = _commit_all(qtbot, w)
    assert sorted(stored.geometry.points) == [(50.5, 100.5), (50.5, 199.5), (249.5, 100.5), (249.5, 199.5)]
