"""Pre-labelling from the window: Ctrl+Shift+M and the button start it, a progress bar follows it, Cancel
stops it, the images list marks what it did. Its rules (marks, pending suggestions shown without M, answers
for a closed project dropped, across a reopen) are tested in tests/assist/test_assist_rules.py."""

from __future__ import annotations

from assist_driver import use_deployment, wait_for_suggestions
from gui_driver import key
from PySide6.QtCore import Qt

from app.models import ImageStatus
from app.widgets.images_dock import ImageListModel


def test_prelabel_asks_for_every_image_to_do_and_its_suggestions_wait_there(
    make_window, image_folder, fake_oip, qtbot
) -> None:  # noqa: E501
    w = make_window(image_folder)
    use_deployment(qtbot, w, "fake", fake_oip.url, "fake", rate_limit=20.0)
    done = w.doc.images[-1]
    w.doc.set_status(ImageStatus.DONE, done.id)
    key(qtbot, w, Qt.Key.Key_M)  # the first image is asked for already: the batch leaves it out
    wait_for_suggestions(qtbot, w)
    progress: list[tuple[int, int, int]] = []
    w.assist.prefetcher.batchProgress.connect(lambda *args: progress.append(args))
    key(qtbot, w, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    to_do = len(w.doc.images) - 2
    assert w.intelligent_dock.batch_bar.isVisible() and not w.intelligent_dock.prelabel_button.isVisible()
    qtbot.waitUntil(lambda: not w.assist.prefetcher.batch_running, timeout=15_000)
    assert progress[0] == (0, to_do, 0) and progress[-2] == (to_do, to_do, 0) and progress[-1][1] == 0
    assert fake_oip.infer_calls == 1 + to_do  # the image marked done was left alone
    assert not w.intelligent_dock.batch_bar.isVisible() and w.intelligent_dock.prelabel_button.isVisible()
    assert f"Pre-labelled {to_do} image(s)." in w.statusBar().currentMessage()
    assert all(w.doc.session.store.annotations_for(img.id) == [] for img in w.doc.images)  # nothing committed
    model = w.annotator.images_dock.model
    listed = [model.data(model.index(row)) for row in range(model.rowCount())]
    assert [text.endswith("pre-labelled") for text in listed] == [img.id != done.id for img in w.doc.images]
    reading = ImageListModel(w.doc)  # reads the marks where model assist holds them, instead of a copy
    reading.follow_marks(w.assist.marks)
    assert [reading.data(reading.index(row)) for row in range(reading.rowCount())] == listed
    with qtbot.waitSignal(w.canvas.imageShown, timeout=10_000):
        key(qtbot, w, Qt.Key.Key_D)
    shown = [s.key for s in w.assist.shown()]
    assert shown and w.canvas.suggestions.shown_keys() == shown, (
        "the canvas draws the pending ones, without M"
    )


def test_cancel_stops_a_prelabel_batch_where_it_got_to(make_window, image_folder, fake_oip, qtbot) -> None:
    w = make_window(image_folder)
    use_deployment(qtbot, w, "fake", fake_oip.url, "fake", rate_limit=0.5)  # one request every two seconds
    w.intelligent_dock.prelabel_button.click()
    qtbot.waitUntil(lambda: w.assist.prefetcher.batch_done == 1, timeout=10_000)
    w.intelligent_dock.batch_cancel.click()
    assert not w.assist.prefetcher.batch_running and w.intelligent_dock.prelabel_button.isVisible()
    assert f"Pre-labelled 1 of {len(w.doc.images)} image(s) (cancelled)." in w.statusBar().currentMessage()
    qtbot.waitUntil(lambda: not w.assist.prefetcher.in_flight, timeout=10_000)
    assert w.assist.prefetcher.pending() == 0  # nothing left that the next rate-limit slot could send
    assert w.assist.prefetcher.sent == 1 and fake_oip.infer_calls == 1
