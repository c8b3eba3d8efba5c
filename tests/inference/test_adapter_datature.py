"""The Datature Nexus adapter: the predict request, normalised bounds, contours and keypoints read from
recorded JSON into image pixels, and the class list as the probe."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from app.inference.adapters import HttpRequest, HttpResponse, ImageInput, Probe, adapter_for
from app.inference.adapters.datature import DatatureAdapter
from app.inference.errors import InferenceError
from app.models import Deployment, ModelInfo, Protocol, Task

FIXTURES = Path(__file__).parent / "fixtures"
IMAGE = ImageInput(data=b"\x89PNG fake", name="harbour.png", width=800, height=400)
ADAPTER = DatatureAdapter()
PROBE = Probe(ModelInfo(name="harbour"))
URL = "https://asia.inference.datature.io/7f1c2d3e-aaaa-bbbb-cccc-123456789abc"


def _deployment(url: str = URL, task: Task | None = None) -> Deployment:
    return Deployment(name="nexus", protocol=Protocol.DATATURE, url=url, model="harbour", task=task)


def _answer(name: str) -> HttpResponse:
    return HttpResponse(200, {"content-type": "application/json"}, (FIXTURES / name).read_bytes())


def _json(data: object) -> HttpResponse:
    return HttpResponse(200, {"content-type": "application/json"}, json.dumps(data).encode())


def _corners(p) -> tuple[float, float, float, float]:  # noqa: ANN001
    return p.box.x1, p.box.y1, p.box.x2, p.box.y2


def test_registered_for_the_datature_protocol() -> None:
    assert isinstance(adapter_for(Protocol.DATATURE), DatatureAdapter)


def test_the_predict_request_carries_the_image_as_base64() -> None:
    r = ADAPTER.infer_request(_deployment(), IMAGE, "img-1/gen-2", 0.3, PROBE)
    assert (r.method, r.path) == ("POST", "/predict")
    body = json.loads(r.body)
    assert body["image_type"] == "base_64" and base64.b64decode(body["data"]) == IMAGE.data
    assert r.headers == {"Content-Type": "application/json"}  # the Bearer secret is the client's to add


def test_normalised_bounds_become_pixel_corners() -> None:
    predictions, dropped = ADAPTER.parse_infer(_answer("datature_predict.json"), IMAGE, PROBE)
    assert dropped == 0
    assert [(p.label, p.score) for p in predictions] == [
        ("boat", 0.9123),
        ("buoy", 0.6041),
        ("jetty", 0.7788),
    ]
    assert _corners(predictions[0]) == (200, 200, 400, 300)
    assert _corners(predictions[1]) == (0, 0, 160, 40)


def test_contours_become_pixel_polygons() -> None:
    jetty = ADAPTER.parse_infer(_answer("datature_predict.json"), IMAGE, PROBE)[0][2]
    assert jetty.polygon is not None
    assert jetty.polygon.points == ((400, 100), (600, 100), (600, 200), (500, 200))
    assert _corners(jetty) == (400, 100, 600, 200)


def test_keypoints_are_scaled_with_their_confidences() -> None:
    (hand,), _ = ADAPTER.parse_infer(_answer("datature_keypoints.json"), IMAGE, PROBE)
    got = [v for k in hand.keypoints for v in (k.x, k.y, k.score)]
    assert got == pytest.approx([160, 100, 0.95, 120, 160, 0.7, 200, 220, 0.2])


def test_older_deployments_answer_with_a_bare_list_and_newer_ones_wrap_it() -> None:
    items = json.loads((FIXTURES / "datature_predict.json").read_text())["predictions"]
    assert len(ADAPTER.parse_infer(_json(items), IMAGE, PROBE)[0]) == 3
    assert (
        len(ADAPTER.parse_infer(_json({"response": {"predictions": items}, "tags": {}}), IMAGE, PROBE)[0])
        == 3
    )


def test_a_flat_bound_is_read_as_corners() -> None:
    raw = [{"confidence": 0.5, "tag": {"id": 3, "name": ""}, "bound": [0.5, 0.5, 0.25, 0.25]}]
    (p,), _ = ADAPTER.parse_infer(_json(raw), IMAGE, PROBE)
    assert _corners(p) == (200, 100, 400, 200) and p.label == "class 3"


def test_nan_predictions_are_dropped_and_counted_and_scores_clamped() -> None:
    body = (FIXTURES / "datature_predict.json").read_text().replace("[0.25, 0.75]", "[NaN, 0.75]")
    body = body.replace('"confidence": 0.6041', '"confidence": 1.3')
    predictions, dropped = ADAPTER.parse_infer(HttpResponse(200, {}, body.encode()), IMAGE, PROBE)
    assert dropped == 1 and [p.label for p in predictions] == ["buoy", "jetty"]
    assert predictions[0].score == 1.0


def test_pixel_coordinates_are_refused_rather_than_scaled() -> None:
    raw = [
        {
            "confidence": 0.5,
            "tag": {"id": 0, "name": "boat"},
            "bound": [[10, 20], [10, 90], [300, 90], [300, 20]],
        }
    ]
    with pytest.raises(
        InferenceError, match="coordinate of 300; 'bound', 'contour' and 'keypoints' should be normalised"
    ):
        ADAPTER.parse_infer(_json(raw), IMAGE, PROBE)


def test_malformed_answers_are_refused_in_plain_words() -> None:
    with pytest.raises(InferenceError, match=r"no 'predictions' list \(got keys: 'message'\)"):
        ADAPTER.parse_infer(_json({"message": "Unauthorized"}), IMAGE, PROBE)
    with pytest.raises(InferenceError, match="Datature prediction 1 does not fit: tag: field required"):
        ADAPTER.parse_infer(_json([{"confidence": 0.5, "bound": [[0, 0], [1, 1]]}]), IMAGE, PROBE)
    with pytest.raises(InferenceError, match="'bound' that is not a list of"):
        ADAPTER.parse_infer(
            _json([{"confidence": 0.5, "tag": {"name": "a"}, "bound": ["x", "y"]}]), IMAGE, PROBE
        )
    with pytest.raises(InferenceError, match="has no 'bound', 'contour' or 'keypoints'"):
        ADAPTER.parse_infer(_json([{"confidence": 0.5, "tag": {"name": "a"}}]), IMAGE, PROBE)


def test_the_class_list_names_the_models_labels_in_id_order() -> None:
    asked: list[HttpRequest] = []

    def send(r: HttpRequest) -> HttpResponse:
        asked.append(r)
        return _answer("datature_classes.json")

    probe = ADAPTER.describe(_deployment(task=Task.SEGMENT), send)
    assert [(r.method, r.path) for r in asked] == [("GET", "/classes")]
    assert probe.model.labels == ("buoy", "boat", "jetty")
    assert probe.model.task == Task.SEGMENT and probe.model.name == "harbour"


def test_other_class_list_shapes_are_read() -> None:
    def send(r: HttpRequest) -> HttpResponse:
        return _json([{"id": 2, "name": "b"}, {"id": 1, "name": "a"}])

    assert ADAPTER.describe(_deployment(), send).model.labels == ("a", "b")


def test_a_url_ending_in_predict_is_explained() -> None:
    def send(r: HttpRequest) -> HttpResponse:
        raise AssertionError("nothing should be sent")

    with pytest.raises(InferenceError, match="without '/predict'"):
        ADAPTER.describe(_deployment(URL + "/predict"), send)


def test_a_class_list_that_is_not_one_is_refused() -> None:
    with pytest.raises(InferenceError, match="should map class ids to names"):
        ADAPTER.describe(_deployment(), lambda r: _json("ok"))
