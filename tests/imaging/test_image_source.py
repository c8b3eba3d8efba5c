"""ImageSource: preview then full image, failures, and skipping images flipped past."""

import threading

import pytest
from imaging_files import quadrant_image, write_jpeg, write_png
from PySide6.QtCore import QSize

import app.imaging.async_source as async_source

WAIT = 5.0


class Signals:
    """Everything an ImageSource emitted, in order."""

    def __init__(self, source) -> None:
        self.events: list[tuple] = []
        source.preview_ready.connect(lambda k, img, full: self.events.append(("preview", k, img, full)))
        source.full_ready.connect(lambda k, img: self.events.append(("full", k, img)))
        source.failed.connect(lambda k, msg: self.events.append(("failed", k, msg)))

    def kinds(self, key=None) -> list[str]:
        return [e[0] for e in self.events if key is None or e[1] == key]

    def done(self, key) -> bool:
        return any(e[0] in ("full", "failed") and e[1] == key for e in self.events)


@pytest.fixture
def decode_log(monkeypatch):
    """Record every decode the source starts (probe for the first stage, load for full images)."""
    calls: list[tuple[str, str]] = []
    real_probe, real_load = async_source.probe, async_source.load

    def probe(path):
        calls.append(("probe", path))
        return real_probe(path)

    def load(path, max_side=None):
        calls.append(("preview" if max_side else "full", path))
        return real_load(path, max_side)

    monkeypatch.setattr(async_source, "probe", probe)
    monkeypatch.setattr(async_source, "load", load)
    return calls


def test_large_jpeg_gives_a_preview_then_the_full_image(qtbot, tmp_path, make_image_source):
    path = write_jpeg(tmp_path / "big.jpg", quadrant_image(1200, 600))
    source = make_image_source(preview_side=300)
    seen = Signals(source)
    with qtbot.waitSignal(source.full_ready, timeout=5000):
        source.request(path, "k")

    assert seen.kinds() == ["preview", "full"]
    _, key, preview, full_size = seen.events[0]
    assert key == "k" and preview.size() == QSize(300, 150) and full_size == QSize(1200, 600)
    assert seen.events[1][2].size() == QSize(1200, 600)


def test_preview_reports_the_displayed_size_of_a_rotated_photo(qtbot, tmp_path, make_image_source):
    path = write_jpeg(tmp_path / "rot.jpg", quadrant_image(1200, 600), orientation=6)
    source = make_image_source(preview_side=300)
    seen = Signals(source)
    with qtbot.waitSignal(source.full_ready, timeout=5000):
        source.request(path, 1)
    assert seen.events[0][2].size() == QSize(150, 300)
    assert seen.events[0][3] == QSize(600, 1200)
    assert seen.events[1][2].size() == QSize(600, 1200)


def test_small_image_skips_the_preview(qtbot, tmp_path, make_image_source, decode_log):
    path = write_jpeg(tmp_path / "small.jpg", quadrant_image(200, 100))
    source = make_image_source(preview_side=300)
    seen = Signals(source)
    with qtbot.waitSignal(source.full_ready, timeout=5000):
        source.request(path, "s")
    assert seen.kinds() == ["full"]
    assert [kind for kind, _ in decode_log] == ["probe", "full"]


def test_large_png_is_decoded_once_without_preview(qtbot, tmp_path, make_image_source, decode_log):
    # PNG cannot decode at a reduced size; a preview would cost a whole extra decode.
    path = write_png(tmp_path / "big.png", quadrant_image(800, 400))
    source = make_image_source(preview_side=300)
    seen = Signals(source)
    with qtbot.waitSignal(source.full_ready, timeout=5000):
        source.request(path, "p")
    assert seen.kinds() == ["full"]
    assert [kind for kind, _ in decode_log] == ["probe", "full"]


def test_failure_is_reported_with_the_key(qtbot, tmp_path, make_image_source):
    path = tmp_path / "broken.jpg"
    path.write_bytes(b"not a jpeg at all")
    source = make_image_source()
    with qtbot.waitSignal(source.failed, timeout=5000) as blocker:
        source.request(path, ("project", 7))
    assert blocker.args[0] == ("project", 7)
    assert blocker.args[1].startswith("Cannot read 'broken.jpg': ")


def test_flipping_fast_never_decodes_the_skipped_images(qtbot, tmp_path, make_image_source, monkeypatch):
    paths = [write_jpeg(tmp_path / f"{i}.jpg", quadrant_image(800, 400)) for i in range(5)]
    started: list[str] = []
    first_running, release_first = threading.Event(), threading.Event()
    real_first = async_source._decode_first

    def first_stage(path, preview_side):
        started.append(path)
        if len(started) == 1:  # hold the first decode so the later requests pile up behind it
            first_running.set()
            assert release_first.wait(WAIT)
        return real_first(path, preview_side)

    monkeypatch.setattr(async_source, "_decode_first", first_stage)
    source = make_image_source(preview_side=200)
    seen = Signals(source)

    source.request(paths[0], 0)
    assert first_running.wait(WAIT)
    for i in (1, 2, 3, 4):
        source.request(paths[i], i)
    release_first.set()
    qtbot.waitUntil(lambda: seen.done(4), timeout=5000)

    assert started == [str(paths[0]), str(paths[4])], "images 1-3 were skipped, so never decoded"
    # Image 0 was already decoding: its preview is still delivered, but its full decode never starts.
    assert seen.kinds(0) == ["preview"]
    assert seen.kinds(4) == ["preview", "full"]
    assert not any(e[1] in (1, 2, 3) for e in seen.events)


def test_cancel_stops_the_full_decode(qtbot, tmp_path, make_image_source, decode_log):
    path = write_jpeg(tmp_path / "big.jpg", quadrant_image(800, 400))
    source = make_image_source(preview_side=200)
    seen = Signals(source)
    source.preview_ready.connect(lambda *_: source.cancel())
    with qtbot.waitSignal(source.preview_ready, timeout=5000):
        source.request(path, "c")
    # A marker request proves the queue moved on: had the full decode of "c" been queued, it would show.
    with qtbot.waitSignal(source.full_ready, timeout=5000):
        source.request(write_jpeg(tmp_path / "tiny.jpg", quadrant_image(20, 10)), "marker")
    assert seen.kinds("c") == ["preview"]
    assert ("full", str(path)) not in decode_log


@pytest.mark.parametrize(
    ("long_side", "expected"),
    [(4000, 2000), (8000, 2000), (16000, 2000), (6000, 3000), (2100, 1050), (3700, 1850)],
)
def test_preview_uses_a_scale_libjpeg_decodes_directly(long_side, expected):
    assert async_source.preview_long_side(long_side, 2048) == expected
