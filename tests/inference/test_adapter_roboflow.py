"""The Roboflow Inference adapter: requests for the legacy and /infer routes, answers read from recorded
JSON into pixel corners, the probe against a self-hosted server and the hosted API."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from app.inference.adapters import HttpRequest, HttpResponse, ImageInput, Probe, adapter_for
from app.inference.adapters.roboflow import RoboflowAdapter
from app.inference.errors import Failure, InferenceError
from app.models import Deployment, ModelInfo, Protocol, Task

FIXTURES = Path(__file__).parent / "fixtures"
IMAGE = ImageInput(data=b"\xff\xd8fake jpeg", name="yard.jpg", width=640, height=480)
ADAPTER = RoboflowAdapter()


def _deployment(model: str = "forklifts/3", task: Task | None = None) -> Deployment:
    return Deployment(
        name="rf", protocol=Protocol.ROBOFLOW, url="http://localhost:9001", model=model, task=task
    )


def _answer(name: str) -> HttpResponse:
    return HttpResponse(200, {"content-type": "application/json"}, (FIXTURES / name).read_bytes())


def _json(data: object) -> HttpResponse:
    return HttpResponse(200, {"content-type": "application/json"}, json.dumps(data).encode())


def _probe(task: Task = Task.DETECT) -> Probe:
    return Probe(ModelInfo(name="m", task=task))


def test_registered_for_the_roboflow_protocol() -> None:
    assert isinstance(adapter_for(Protocol.ROBOFLOW), RoboflowAdapter)


def test_project_version_ids_use_the_legacy_route_with_a_base64_body() -> None:
    r = ADAPTER.infer_request(_deployment("forklifts/3"), IMAGE, "img-1/gen-2", 0.25, _probe())
    assert (r.method, r.path) == ("POST", "/forklifts/3")
    assert base64.b64decode(r.body) == IMAGE.data
    assert r.params["confidence"] == "0.25" and r.params["format"] == "json"
    assert r.params["disable_active_learning"] == "true"
    assert "api_key" not in r.params and "Authorization" not in r.headers  # the client adds auth


def test_aliases_use_the_infer_route_of_the_task_with_a_json_body() -> None:
    for task, path in (
        (Task.DETECT, "/infer/object_detection"),
        (Task.SEGMENT, "/infer/instance_segmentation"),
        (Task.KEYPOINTS, "/infer/keypoints_detection"),
    ):
        r = ADAPTER.infer_request(_deployment("yolov8n-640"), IMAGE, "img-1/gen-2", 0.1, _probe(task))
        assert (r.method, r.path) == ("POST", path)
        body = json.loads(r.body)
        assert body["model_id"] == "yolov8n-640" and body["confidence"] == 0.1 and body["id"] == "img-1/gen-2"
        assert body["image"]["type"] == "base64"
        assert base64.b64decode(body["image"]["value"]) == IMAGE.data
        assert "api_key" not in body and r.headers["Content-Type"] == "application/json"


def test_the_image_is_never_sent_as_a_pickle() -> None:
    for model in ("forklifts/3", "yolov8n-640"):
        r = ADAPTER.infer_request(_deployment(model), IMAGE, "1", 0.5, _probe())
        assert b"numpy" not in r.body and "numpy" not in json.dumps(r.params)


def test_detection_centres_become_pixel_corners() -> None:
    predictions, dropped = ADAPTER.parse_infer(_answer("roboflow_object_detection.json"), IMAGE, _probe())
    assert dropped == 0
    assert [(p.label, p.score) for p in predictions] == [
        ("forklift", 0.92),
        ("person", 0.55),
        ("pallet", 0.41),
    ]
    boxes = [(p.box.x1, p.box.y1, p.box.x2, p.box.y2) for p in predictions]
    assert boxes == [(270, 215, 370, 265), (30, 20, 71, 100), (555, 415, 645, 485)]
    assert all(p.polygon is None and p.keypoints is None for p in predictions)


def test_segmentation_points_become_polygons() -> None:
    predictions, dropped = ADAPTER.parse_infer(
        _answer("roboflow_instance_segmentation.json"), IMAGE, _probe()
    )
    leaf, stem = predictions
    assert dropped == 0
    assert leaf.polygon is not None and leaf.polygon.points[:2] == ((100, 60), (200, 60))
    assert (leaf.box.x1, leaf.box.y1, leaf.box.x2, leaf.box.y2) == (100, 60, 200, 140)
    assert stem.polygon is None  # two points are no outline; the box stands


def test_keypoints_are_placed_by_their_class_id() -> None:
    predictions, _ = ADAPTER.parse_infer(
        _answer("roboflow_keypoints_detection.json"), IMAGE, _probe(Task.KEYPOINTS)
    )
    first, second = predictions
    assert [(k.x, k.y) for k in first.keypoints] == [(189, 20), (180, 12), (198, 12), (170, 18), (208, 18)]
    assert second.keypoints[0].x == 478 and second.keypoints[0].score == 0.93  # nose came second
    missing = second.keypoints[3]  # left_ear was not in the answer: outside the image, score 0
    assert missing.score == 0 and missing.x < 0
    assert len(second.keypoints) == 5


def test_coordinates_follow_the_size_the_server_saw() -> None:
    raw = json.loads((FIXTURES / "roboflow_object_detection.json").read_text())
    raw["image"] = {"width": 320, "height": 240}  # the server worked on a half-size copy
    (p, *_), _ = ADAPTER.parse_infer(_json(raw), IMAGE, _probe())
    assert (p.box.x1, p.box.y1, p.box.x2, p.box.y2) == (540, 430, 740, 530)


def test_nan_and_infinite_predictions_are_dropped_and_counted() -> None:
    body = (FIXTURES / "roboflow_object_detection.json").read_text()
    body = body.replace('"width": 100.0', '"width": NaN').replace(
        '"confidence": 0.41', '"confidence": Infinity'
    )
    predictions, dropped = ADAPTER.parse_infer(HttpResponse(200, {}, body.encode()), IMAGE, _probe())
    assert [p.label for p in predictions] == ["person"] and dropped == 2


def test_scores_are_clamped_and_empty_labels_named() -> None:
    raw = {
        "predictions": [
            {"x": 5, "y": 5, "width": 2, "height": 2, "confidence": 1.7, "class": " ", "class_id": 4},
            {"x": 5, "y": 5, "width": -2, "height": 2, "confidence": -0.2, "class": "x" * 300},
        ]
    }
    a, b = ADAPTER.parse_infer(_json(raw), IMAGE, _probe())[0]
    assert (a.score, a.label) == (1.0, "class 4")
    assert (b.score, len(b.label)) == (0.0, 200) and b.box.x1 < b.box.x2


def test_an_answer_without_predictions_is_refused_in_plain_words() -> None:
    with pytest.raises(InferenceError, match=r"no 'predictions' list \(got keys: 'detail'\)"):
        ADAPTER.parse_infer(_json({"detail": "model not found"}), IMAGE, _probe())
    with pytest.raises(InferenceError, match="not JSON"):
        ADAPTER.parse_infer(HttpResponse(200, {}, b"<html>"), IMAGE, _probe())


def test_a_prediction_missing_a_field_is_named() -> None:
    raw = {"predictions": [{"x": 1, "y": 2, "width": 3, "confidence": 0.5, "class": "a"}]}
    with pytest.raises(InferenceError, match="Roboflow prediction 1 does not fit: height: field required"):
        ADAPTER.parse_infer(_json(raw), IMAGE, _probe())


def test_a_classification_answer_is_explained() -> None:
    with pytest.raises(InferenceError, match="classification"):
        ADAPTER.parse_infer(
            _json({"predictions": [{"class": "cat", "class_id": 0, "confidence": 0.9}]}), IMAGE, _probe()
        )
    with pytest.raises(InferenceError, match="classification"):
        ADAPTER.parse_infer(_json({"predictions": {"cat": {"confidence": 0.9}}}), IMAGE, _probe())


def test_too_many_predictions_are_refused_before_reading_them() -> None:
    one = {"x": 1, "y": 1, "width": 1, "height": 1, "confidence": 0.5, "class": "a", "class_id": 0}
    with pytest.raises(InferenceError, match="20,000 predictions"):
        ADAPTER.parse_infer(_json({"predictions": [one] * 20_000}), IMAGE, _probe())


def test_a_self_hosted_server_says_its_version_and_the_loaded_models_task() -> None:
    asked: list[str] = []

    def send(r: HttpRequest) -> HttpResponse:
        asked.append(r.path)
        if r.path == "/info":
            return _json({"name": "Roboflow Inference Server", "version": "0.51.7", "uuid": "9c18c6f4"})
        return _json(
            {
                "models": [
                    {
                        "model_id": "leaves/2",
                        "task_type": "instance-segmentation",
                        "batch_size": "batch",
                        "input_height": 640,
                        "input_width": 640,
                    }
                ]
            }
        )

    probe = ADAPTER.describe(_deployment("leaves/2"), send)
    assert asked == ["/info", "/model/registry"]
    assert probe.model.task == Task.SEGMENT and probe.model.version == "2" and probe.model.name == "leaves/2"
    assert probe.extra["server"] == "Roboflow Inference Server 0.51.7"


def test_the_deployments_task_wins_over_what_the_server_would_say() -> None:
    def send(r: HttpRequest) -> HttpResponse:
        assert r.path == "/info"
        return _json({"name": "Roboflow Inference Server", "version": "0.51.7", "uuid": "u"})

    assert ADAPTER.describe(_deployment("pose/1", Task.KEYPOINTS), send).model.task == Task.KEYPOINTS


def test_the_hosted_api_without_a_health_route_is_probed_with_what_is_known() -> None:
    def send(r: HttpRequest) -> HttpResponse:
        raise InferenceError("'rf' answered HTTP 404", Failure.HTTP, 404)

    probe = ADAPTER.describe(_deployment("forklifts/3"), send)
    assert (
        probe.model.task == Task.DETECT and probe.model.labels == () and probe.extra["server"] == "hosted API"
    )


def test_an_unreachable_server_or_a_bad_key_is_not_hidden() -> None:
    for error in (
        InferenceError("cannot reach", Failure.OFFLINE),
        InferenceError("HTTP 401", Failure.HTTP, 401),
    ):

        def send(r: HttpRequest, e: InferenceError = error) -> HttpResponse:
            raise e

        with pytest.raises(InferenceError):
            ADAPTER.describe(_deployment(), send)


def test_legacy_path_parts_are_quoted() -> None:
    r = ADAPTER.infer_request(_deployment("a b/3"), IMAGE, "1", 0.05, _probe())
    assert r.path == "/a%20b/3" and r.params["max_detections"] == "1000"
