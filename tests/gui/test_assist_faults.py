"""Dead, slow, failing and lying servers: a clear message, a deployment status, never a crash or a hang,
never a partial commit. The misbehaving server is a real one on 127.0.0.1 (see fake_oip)."""

from __future__ import annotations

import json
import socket

import pytest
from assist_driver import use_deployment, wait_for_suggestions
from fake_oip import boxes_answer
from gui_driver import key
from PySide6.QtCore import Qt

from app.models import Deployment, State


def _json(answer: dict) -> tuple[int, str, bytes]:
    return 200, "application/json", json.dumps(answer).encode()


FAULTS = {
    "500": (lambda image: (500, "application/json", b'{"error": "model crashed"}'), "HTTP 500"),
    "html": (lambda image: (200, "text/html", b"<!DOCTYPE html><html><body>Login</body></html>"), "web page"),
    "garbage": (lambda image: (200, "application/json", b"\x00\xffnot json"), "not an Open Inference"),
    "wrong shapes": (
        lambda image: _json(
            {
                "model_name": "fake",
                "outputs": [
                    {"name": "boxes", "datatype": "FP32", "shape": [2, 3], "data": [1, 2, 3, 4, 5, 6]},
                    {"name": "scores", "datatype": "FP32", "shape": [2], "data": [0.9, 0.8]},
                    {"name": "labels", "datatype": "BYTES", "shape": [2], "data": ["a", "b"]},
                ],
            }
        ),
        "FP32[N,4]",
    ),
    "missing outputs": (lambda image: _json({"model_name": "fake", "outputs": []}), "lacks the output"),
    "too many": (
        lambda image: _json(boxes_answer([[1, 1, 5, 5]] * 100_000, [0.9] * 100_000, ["x"] * 100_000)),
        "100,000 predictions",
    ),
    "huge": (lambda image: (200, "application/json", b" " * (65 * 2**20)), "at most 64 MiB"),
}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_a_failing_answer_says_why_and_commits_nothing(
    make_window, image_folder, fake_oip, qtbot, fault
) -> None:
    behaviour, words = FAULTS[fault]
    w = make_window(image_folder)
    d = use_deployment(qtbot, w, "fake", fake_oip.url, "fake")
    fake_oip.behaviour = behaviour
    messages: list[str] = []
    w.assist.status.connect(messages.append)
    key(qtbot, w, Qt.Key.Key_M)
    qtbot.waitUntil(lambda: not w.assist.busy, timeout=20_000)
    assert any(words in m for m in messages), messages
    assert w.assist.view is None and w.assist.shown() == []
    key(qtbot, w, Qt.Key.Key_S)
    assert w.doc.session.store.annotation_count() == 0
    usage = w.deployments.records.usage(d.id)
    assert (usage.calls, usage.failures) == (1, 1)
    w.deployments_page.refresh()
    assert "last call failed" in w.deployments_page.row_text(d.id)["Status"]
    fake_oip.behaviour = fake_oip.two_boxes  # it recovers: the next M works
    key(qtbot, w, Qt.Key.Key_M)
    wait_for_suggestions(qtbot, w)
    assert len(w.assist.shown()) == 1


def test_timeout_is_reported_and_the_ui_keeps_working(make_window, image_folder, fake_oip, qtbot) -> None:
    w = make_window(image_folder)
    d = use_deployment(qtbot, w, "slow", fake_oip.url, "fake", timeout_s=1.0)
    fake_oip.delay_s = 3.0
    messages: list[str] = []
    w.assist.status.connect(messages.append)
    key(qtbot, w, Qt.Key.Key_M)
    assert w.assist.busy
    key(qtbot, w, Qt.Key.Key_D)  # the window answers while the request waits
    qtbot.waitUntil(
        lambda: any("did not answer within 1 s" in m for m in w.deployments.last_error.values()),
        timeout=10_000,
    )
    assert w.deployments.records.usage(d.id).failures == 1


def test_dead_server_goes_offline_and_drops_out_of_the_dropdown(make_window, image_folder, qtbot) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    w = make_window(image_folder)
    d = w.deployments.save(Deployment(name="dead", url=f"http://127.0.0.1:{port}", model="m"))
    qtbot.waitUntil(lambda: "cannot reach" in w.deployments.status(d.id).message, timeout=10_000)
    assert w.deployments.status(d.id).state == State.OFFLINE
    assert w.intelligent_dock.combo.findData(d.id) == -1
    key(qtbot, w, Qt.Key.Key_M)  # says what to do; no crash
    assert "select an online deployment" in w.statusBar().currentMessage()


def test_a_deployment_that_stops_drops_out_with_a_note(make_window, image_folder, fake_oip, qtbot) -> None:
    w = make_window(image_folder)
    d = use_deployment(qtbot, w, "fake", fake_oip.url, "fake")
    fake_oip.stop()
    w.deployments.poller.check_now(d.id)
    qtbot.waitUntil(lambda: w.assist.deployment_id is None, timeout=10_000)
    assert "went offline" in w.statusBar().currentMessage()
    assert w.intelligent_dock.combo.findData(d.id) == -1


TF_OD_METADATA = {
    "name": "fake",
    "versions": ["3"],
    "platform": "tensorflow_savedmodel",
    "inputs": [{"name": "input_tensor", "datatype": "UINT8", "shape": [1, -1, -1, 3]}],
    "outputs": [
        {"name": "detection_boxes", "datatype": "FP32", "shape": [1, 100, 4]},
        {"name": "detection_scores", "datatype": "FP32", "shape": [1, 100]},
        {"name": "detection_classes", "datatype": "FP32", "shape": [1, 100]},
        {"name": "num_detections", "datatype": "FP32", "shape": [1]},
    ],
    "parameters": {"labels": ["background", "person", "bicycle"]},
}


def test_a_plain_triton_detection_model_is_used_as_it_is(make_window, image_folder, fake_oip, qtbot) -> None:
    """A TensorFlow Object Detection API export on Triton: RGB pixels in, normalised [y1,x1,y2,x2] out."""
    fake_oip.metadata = TF_OD_METADATA
    fake_oip.extensions = ["binary_tensor_data"]
    fake_oip.behaviour = lambda image: _json(
        {
            "model_name": "fake",
            "outputs": [
                {
                    "name": "detection_boxes",
                    "datatype": "FP32",
                    "shape": [1, 2, 4],
                    "data": [0.1, 0.2, 0.5, 0.6, 0, 0, 1, 1],
                },
                {"name": "detection_scores", "datatype": "FP32", "shape": [1, 2], "data": [0.9, 0.1]},
                {"name": "detection_classes", "datatype": "FP32", "shape": [1, 2], "data": [1, 2]},
                {"name": "num_detections", "datatype": "FP32", "shape": [1], "data": [1]},
            ],
        }
    )
    w = make_window(image_folder)
    use_deployment(qtbot, w, "triton", fake_oip.url, "fake")
    key(qtbot, w, Qt.Key.Key_M)
    wait_for_suggestions(qtbot, w)
    img = w.doc.current_image
    tensor = fake_oip.last_request["inputs"][0]
    assert (tensor["name"], tensor["datatype"], tensor["shape"]) == (
        "input_tensor",
        "UINT8",
        [1, img.height, img.width, 3],
    )
    (s,) = w.assist.shown()  # num_detections says one
    assert s.label == "person" and s.score == pytest.approx(0.9)
    b = s.geometry
    assert (b.x1, b.y1, b.x2, b.y2) == pytest.approx(
        (0.2 * img.width, 0.1 * img.height, 0.6 * img.width, 0.5 * img.height)
    )


def test_a_model_whose_inputs_do_not_fit_says_so(make_window, image_folder, fake_oip, qtbot) -> None:
    fake_oip.metadata = {
        **TF_OD_METADATA,
        "inputs": [{"name": "images", "datatype": "FP32", "shape": [1, 3, 640, 640]}],
    }
    w = make_window(image_folder)
    d = w.deployments.save(Deployment(name="yolo on triton", url=fake_oip.url, model="fake"))
    qtbot.waitUntil(lambda: w.deployments.status(d.id).state == State.ERROR, timeout=10_000)
    message = w.deployments.status(d.id).message
    assert "takes images FP32[1, 3, 640, 640]" in message and "needs resizing on the server" in message


def test_tab_x_and_space_focus_select_and_commit_a_suggestion(
    make_window, image_folder, fake_oip, qtbot
) -> None:
    """The keys reach model assist; what a commit does is tested in tests/assist/test_assist_rules.py."""
    w = make_window(image_folder)
    use_deployment(qtbot, w, "fake", fake_oip.url, "fake")
    w.assist.set_threshold(0.0)
    key(qtbot, w, Qt.Key.Key_M)
    wait_for_suggestions(qtbot, w)
    first = w.assist.shown()[0].key
    key(qtbot, w, Qt.Key.Key_Tab)
    assert w.assist.focused == first and w.assist.selected == set()
    key(qtbot, w, Qt.Key.Key_X)
    assert w.assist.selected == {first}
    key(qtbot, w, Qt.Key.Key_Space)
    assert len(w.doc.session.store.annotations_for(w.doc.current_image.id)) == 1
    assert [s.key for s in w.assist.shown()] != [first] and len(w.assist.shown()) == 1
