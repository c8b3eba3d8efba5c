"""The request log of a deployment, as a labeller reads it after M: what each call brought and what became of
its predictions, and outputs of the model that no annotation holds, named there and in the status bar."""

from __future__ import annotations

from assist_driver import use_deployment, wait_for_suggestions
from gui_driver import key, on_dialog
from PySide6.QtCore import Qt

from app.widgets.request_log_dialog import RequestLogDialog


def test_request_log_tells_what_became_of_the_predictions(make_window, image_folder, fake_oip, qtbot) -> None:
    w = make_window(image_folder)
    d = use_deployment(qtbot, w, "fake", fake_oip.url, "fake")
    key(qtbot, w, Qt.Key.Key_M)  # two boxes: 0.9 and 0.3; the threshold is 0.5
    wait_for_suggestions(qtbot, w)
    key(qtbot, w, Qt.Key.Key_S)  # the log keeps what the answer brought, whatever the labeller did next
    fake_oip.behaviour = lambda image: (500, "application/json", b'{"error": "out of memory"}')
    key(qtbot, w, Qt.Key.Key_M, Qt.KeyboardModifier.ShiftModifier)  # ask again
    qtbot.waitUntil(lambda: not w.assist.busy, timeout=10_000)
    failed, ok = w.deployments.log.entries(d.id)
    assert (ok.status, ok.raw, ok.valid, ok.mapped, ok.above, ok.shown) == (200, 2, 2, 2, 1, 1)
    assert ok.bytes_sent > 1000 and ok.latency_ms is not None
    assert failed.status == 500 and "out of memory" in failed.error
    w.deployments_page.select(d.id)
    seen: list[tuple[int, str]] = []

    def read(dialog: RequestLogDialog) -> None:
        seen.append((dialog.table.rowCount(), dialog.table.item(0, 2).text()))
        dialog.reject()

    errors = on_dialog(RequestLogDialog, read)
    w.deployments_page.log_button.click()
    assert errors == [] and seen == [(2, "500")]


def test_an_output_with_no_place_shows_in_the_status_bar_and_the_request_log(
    make_window, image_folder, fake_oip, qtbot
) -> None:
    import json

    from fake_oip import boxes_answer

    def with_embeddings(image: bytes) -> tuple[int, str, bytes]:
        answer = boxes_answer([[10, 10, 60, 60]], [0.9], ["thing"])
        answer["outputs"].append(
            {"name": "foo_embeddings", "datatype": "FP32", "shape": [1, 2], "data": [1, 2]}
        )
        return 200, "application/json", json.dumps(answer).encode()

    fake_oip.behaviour = with_embeddings
    w = make_window(image_folder)
    d = use_deployment(qtbot, w, "fake", fake_oip.url, "fake")
    key(qtbot, w, Qt.Key.Key_M)
    wait_for_suggestions(qtbot, w)
    assert "outputs not placed: 'foo_embeddings' [1, 2]" in w.statusBar().currentMessage()
    w.deployments_page.select(d.id)
    notes: list[str] = []

    def read(dialog: RequestLogDialog) -> None:
        notes.append(dialog.table.item(0, dialog.table.columnCount() - 1).text())
        dialog.reject()

    errors = on_dialog(RequestLogDialog, read)
    w.deployments_page.log_button.click()
    assert errors == [] and len(notes) == 1 and notes[0].startswith("outputs not placed: 'foo_embeddings'")
