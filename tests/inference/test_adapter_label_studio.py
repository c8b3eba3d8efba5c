"""The Label Studio ML backend adapter: the predict request with the image URL and a labelling config,
percent regions read from recorded JSON (versions 1 and 2) into image pixels, and the health probe."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from app.inference.adapters import HttpRequest, HttpResponse, ImageInput, Probe, adapter_for
from app.inference.adapters.label_studio import LabelStudioAdapter
from app.inference.errors import InferenceError
from app.models import Deployment, ModelInfo, Protocol, Task

FIXTURES = Path(__file__).parent / "fixtures"
URL = "http://127.0.0.1:50123/img/0b5e9c1d.jpg?t=4f2a"
IMAGE = ImageInput(data=b"\xff\xd8fake", name="street.jpg", width=640, height=480, url=URL)
ADAPTER = LabelStudioAdapter()


def _deployment(task: Task | None = None, labels: tuple[str, ...] = ()) -> Deployment:
    return Deployment(
        name="ls",
        protocol=Protocol.LABEL_STUDIO,
        url="http://localhost:9090",
        model="yolo",
        task=task,
        label_map=dict.fromkeys(labels, "ignore"),
    )


def _probe(
    task: Task = Task.DETECT, labels: tuple[str, ...] = ("car", "sign"), names: tuple[str, ...] = ()
) -> Probe:
    return Probe(ModelInfo(name="yolo", task=task, labels=labels, keypoint_names=names))


def _answer(name: str) -> HttpResponse:
    return HttpResponse(200, {"content-type": "application/json"}, (FIXTURES / name).read_bytes())


def _json(data: object) -> HttpResponse:
    return HttpResponse(200, {"content-type": "application/json"}, json.dumps(data).encode())


def _corners(p) -> tuple[float, float, float, float]:  # noqa: ANN001
    return tuple(round(v, 6) for v in (p.box.x1, p.box.y1, p.box.x2, p.box.y2))


def test_registered_for_the_label_studio_protocol() -> None:
    assert isinstance(adapter_for(Protocol.LABEL_STUDIO), LabelStudioAdapter)


def test_the_request_names_the_image_url_and_a_labelling_config() -> None:
    r = ADAPTER.infer_request(
        _deployment(), IMAGE, "img-1/gen-2", 0.25, _probe(labels=("car", 'a "quoted" <sign>'))
    )
    assert (r.method, r.path) == ("POST", "/predict")
    body = json.loads(r.body)
    (task,) = body["tasks"]
    assert task["data"] == {"image": URL} and isinstance(task["id"], int)
    config = ET.fromstring(body["label_config"])
    assert config.find("Image").attrib == {"name": "image", "value": "$image"}
    control = config.find("RectangleLabels")
    assert control.attrib["toName"] == "image" and control.attrib["score_threshold"] == "0.25"
    assert [label.attrib["value"] for label in control] == ["car", 'a "quoted" <sign>']
    assert b"data:" not in r.body  # the backend fetches the image; no bytes are sent


def test_the_task_chooses_the_control_tag() -> None:
    for task, tag in ((Task.SEGMENT, "PolygonLabels"), (Task.KEYPOINTS, "KeyPointLabels")):
        body = json.loads(ADAPTER.infer_request(_deployment(), IMAGE, "1", 0.5, _probe(task)).body)
        assert ET.fromstring(body["label_config"]).find(tag) is not None


def test_the_same_request_id_gives_the_same_task_id() -> None:
    ids = [
        json.loads(ADAPTER.infer_request(_deployment(), IMAGE, rid, 0.5, _probe()).body)["tasks"][0]["id"]
        for rid in ("a/1", "a/1", "a/2")
    ]
    assert ids[0] == ids[1] != ids[2]


def test_an_image_without_a_url_is_explained() -> None:
    no_url = ImageInput(data=b"x", name="a.jpg", width=10, height=10)
    with pytest.raises(InferenceError, match="fetches images by URL"):
        ADAPTER.infer_request(_deployment(), no_url, "1", 0.5, _probe())


def test_percent_rectangles_become_pixel_corners() -> None:
    predictions, dropped = ADAPTER.parse_infer(_answer("label_studio_v1.json"), IMAGE, _probe())
    assert dropped == 0
    car, sign, road = predictions  # the "choices" region is not a shape and is skipped
    assert (car.label, car.score, _corners(car)) == ("car", 0.93, (64, 96, 224, 336))
    assert car.polygon is None
    assert (sign.label, sign.score) == ("sign", 0.81)  # no score of its own: the prediction's


def test_a_rotated_rectangle_turns_about_its_top_left_corner() -> None:
    sign = ADAPTER.parse_infer(_answer("label_studio_v1.json"), IMAGE, _probe())[0][1]
    # 64 x 48 px from (320, 240), turned 90 degrees clockwise: it now lies left of that corner.
    assert _corners(sign) == (272, 240, 320, 304)
    assert sign.polygon is not None and len(sign.polygon.points) == 4


def test_percent_polygons_become_pixel_polygons() -> None:
    road = ADAPTER.parse_infer(_answer("label_studio_v1.json"), IMAGE, _probe(Task.SEGMENT))[0][2]
    assert road.polygon.points == ((320, 48), (480, 48), (480, 144), (320, 144))
    assert (road.label, road.score, _corners(road)) == ("road", 0.66, (320, 48, 480, 144))


def test_keypoints_join_their_parent_rectangle_in_the_models_order() -> None:
    names = ("nose", "left_eye", "right_eye", "left_ear")
    (person,), dropped = ADAPTER.parse_infer(
        _answer("label_studio_v2_keypoints.json"), IMAGE, _probe(Task.KEYPOINTS, names=names)
    )
    assert dropped == 0 and person.label == "person" and person.score == 0.88
    assert _corners(person) == (160, 120, 480, 360)
    assert [(k.x, k.y) for k in person.keypoints[:3]] == [(320, 144), (288, 132), (352, 132)]
    assert person.keypoints[3].score == 0 and person.keypoints[3].x < 0  # left_ear not given


def test_keypoints_keep_the_backends_order_when_the_model_names_none() -> None:
    (person,), _ = ADAPTER.parse_infer(
        _answer("label_studio_v2_keypoints.json"), IMAGE, _probe(Task.KEYPOINTS)
    )
    assert [round(k.score, 2) for k in person.keypoints] == [0.97, 0.91, 0.9]


def test_keypoints_without_a_rectangle_make_one_instance_per_group() -> None:
    raw = json.loads((FIXTURES / "label_studio_v2_keypoints.json").read_text())
    regions = raw["results"][0][0]["result"][1:]
    for r in regions:
        del r["parentID"]
    raw["results"][0][0]["result"] = regions
    (instance,), _ = ADAPTER.parse_infer(_json(raw), IMAGE, _probe(Task.KEYPOINTS))
    assert len(instance.keypoints) == 3 and _corners(instance) == (288, 132, 352, 144)


def test_an_empty_answer_is_no_predictions() -> None:
    assert ADAPTER.parse_infer(_json({"results": []}), IMAGE, _probe()) == ([], 0)
    assert ADAPTER.parse_infer(_json({"results": [{"result": [], "score": 0}]}), IMAGE, _probe()) == ([], 0)


def test_nan_regions_are_dropped_and_counted() -> None:
    body = (FIXTURES / "label_studio_v1.json").read_text().replace('"x": 10.0', '"x": NaN')
    body = body.replace("[75.0, 10.0]", "[Infinity, 10.0]")
    predictions, dropped = ADAPTER.parse_infer(HttpResponse(200, {}, body.encode()), IMAGE, _probe())
    assert [p.label for p in predictions] == ["sign"] and dropped == 2


def test_malformed_answers_are_refused_in_plain_words() -> None:
    with pytest.raises(InferenceError, match=r"no 'results' list \(got keys: 'status', 'error'\)"):
        ADAPTER.parse_infer(_json({"status": "ERROR", "error": "boom"}), IMAGE, _probe())
    with pytest.raises(InferenceError, match="should be an object with a 'result' list"):
        ADAPTER.parse_infer(_json({"results": ["car"]}), IMAGE, _probe())
    bad = {
        "results": [
            {"result": [{"type": "rectanglelabels", "value": {"x": 1, "y": 2, "rectanglelabels": ["a"]}}]}
        ]
    }
    with pytest.raises(InferenceError, match="Label Studio rectangle 1 does not fit: width: field required"):
        ADAPTER.parse_infer(_json(bad), IMAGE, _probe())


def test_the_health_route_is_the_probe() -> None:
    asked: list[HttpRequest] = []

    def send(r: HttpRequest) -> HttpResponse:
        asked.append(r)
        return _json({"status": "UP", "model_class": "YOLO"})

    probe = ADAPTER.describe(_deployment(Task.SEGMENT, labels=("car", "bus")), send)
    assert [(r.method, r.path) for r in asked] == [("GET", "/health")]
    assert (
        probe.model.name == "YOLO"
        and probe.model.task == Task.SEGMENT
        and probe.model.labels == ("car", "bus")
    )


def test_a_version_1_health_answer_is_read() -> None:
    probe = ADAPTER.describe(
        _deployment(), lambda r: _json({"status": "UP", "model_dir": "/data/models", "v2": None})
    )
    assert probe.model.name == "yolo" and probe.model.task == Task.DETECT


def test_a_backend_that_is_not_up_is_explained() -> None:
    with pytest.raises(InferenceError, match="status is 'DOWN'"):
        ADAPTER.describe(_deployment(), lambda r: _json({"status": "DOWN"}))
    with pytest.raises(InferenceError, match="not JSON"):
        ADAPTER.describe(_deployment(), lambda r: HttpResponse(200, {}, b"OK"))
