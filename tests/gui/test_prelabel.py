"""Pre-labelling the images still to do: requests in the background within the prefetch limit, a progress
bar, cancel; the answers wait as pending suggestions, never as annotations."""

from __future__ import annotations

from assist_driver import use_deployment, wait_for_suggestions
from gui_driver import key
from PySide6.QtCore import Qt

from app.models import ImageStatus


def test_prelabel_asks_for_every_image_to_do_and_its_suggestions_wait_there(make_window, image_folder, fake_oip, qtbot) -> None:  # noqa: E501
    w = make_window(image_folder)
    d = use_deployment(qtbot, w, "fake", fake_oip.url, "fake", rate_limit=20.0)
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
    assert all(w.doc.store.annotations_for(img.id) == [] for img in w.doc.images)  # nothing committed
    model = w.annotator.images_dock.model
    listed = [model.data(model.index(row)) for row in range(model.rowCount())]
    assert [text.endswith("pre-labelled") for text in listed] == [img.id != done.id for img in w.doc.images]

    with qtbot.waitSignal(w.canvas.imageShown, timeout=10_000):
        key(qtbot, w, Qt.Key.Key_D)
    assert w.assist.view is not None and w.assist.shown(), "the pending suggestions are there, without M"
    with qtbot.waitSignal(w.canvas.imageShown, timeout=10_000):
        key(qtbot, w, Qt.Key.Key_A)
    assert w.assist.view is not None, "so are those of the image asked for before the batch"
    assert fake_oip.infer_calls == 1 + to_do  # all from the cache
    with qtbot.waitSignal(w.canvas.imageShown, timeout=10_000):
        w.doc.go_to_row(w.doc.row_of(done.id))
    assert w.assist.view is None  # not pre-labelled: M asks as usual
    assert w.deployments.records.usage(d.id).calls == 1 + to_do


def test_the_image_on_screen_shows_its_suggestions_when_the_batch_brings_them(make_window, image_folder, fake_oip, qtbot) -> None:  # noqa: E501
    w = make_window(image_folder)
    use_deployment(qtbot, w, "fake", fake_oip.url, "fake", rate_limit=20.0)
    w.intelligent_dock.prelabel_button.click()
    qtbot.waitUntil(lambda: not w.assist.prefetcher.batch_running, timeout=15_000)
    assert w.assist.view is not None and w.assist.shown()


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


def test_an_answer_for_a_closed_project_never_lands_in_the_next_one(make_window, image_folder, fake_oip, tmp_path, qtbot) -> None:  # noqa: E501
    """Image and deployment ids are per project: an answer still out when another project opens is dropped."""
    import shutil

    w = make_window(image_folder)
    d = use_deployment(qtbot, w, "fake", fake_oip.url, "fake", rate_limit=20.0)
    fake_oip.delay_s = 1.5
    w.intelligent_dock.prelabel_button.click()
    qtbot.waitUntil(lambda: fake_oip.infer_calls == 1, timeout=10_000)  # the first request is out
    other = tmp_path / "other"
    shutil.copytree(image_folder, other, ignore=shutil.ignore_patterns("*.labelassist*"))
    with qtbot.waitSignal(w.canvas.imageShown, timeout=10_000):
        assert w.open_project(other)
    same = use_deployment(qtbot, w, "fake", fake_oip.url, "fake")
    assert same.id == d.id  # the same ids name this project's own images and deployment
    qtbot.waitUntil(lambda: fake_oip.answered == 1 and not w.assist.prefetcher.in_flight, timeout=10_000)
    assert w.deployments.records.usage(same.id).calls == 0
    assert w.deployments.records.cached_hashes(same.id, "fake-1") == set()
    assert w.assist.view is None
    assert not any(w.deployments.records.is_prelabelled(img.id, same.id, "fake-1") for img in w.doc.images)


def test_pre_labelled_suggestions_wait_across_a_reopen_and_no_request_is_made(make_window, image_folder, fake_oip, qtbot) -> None:  # noqa: E501
    w = make_window(image_folder)
    use_deployment(qtbot, w, "fake", fake_oip.url, "fake", rate_limit=20.0)
    w.intelligent_dock.prelabel_button.click()
    qtbot.waitUntil(lambda: not w.assist.prefetcher.batch_running, timeout=15_000)
    calls = fake_oip.infer_calls
    path = w.doc.store.path
    with qtbot.waitSignal(w.canvas.imageShown, timeout=10_000):
        assert w.open_project(path)  # another day: the in-memory cache is gone
    d = next(x for x in w.deployments.all() if x.name == "fake")
    qtbot.waitUntil(lambda: any(o.id == d.id for o in w.deployments.online()), timeout=15_000)
    w.assist.select_deployment(d.id)
    with qtbot.waitSignal(w.canvas.imageShown, timeout=10_000):
        key(qtbot, w, Qt.Key.Key_D)
    wait_for_suggestions(qtbot, w)  # read from the project file on the worker thread
    assert w.assist.shown() and fake_oip.infer_calls == calls
