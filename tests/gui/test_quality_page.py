"""The Deployments page shows how good the selected deployment's model is, with pyqtgraph plots, and "Use this
threshold" moves the Confidence slider (the figures themselves are checked in tests/quality)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

TESTS = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(TESTS / "assist"), str(TESTS / "quality")]

from assist_layer import AssistLayer  # noqa: E402
from scenario import IMAGES, TAGS, VERSION_1, serve, work_through  # noqa: E402

from app.models import State  # noqa: E402


def test_the_selected_deployments_plots_and_use_this_threshold(
    make_window, tmp_path, fake_oip, qtbot
) -> None:
    serve(fake_oip, VERSION_1, "fake-1")
    layer = AssistLayer(tmp_path / "project", fake_oip.url, IMAGES, TAGS)
    work_through(layer)
    layer.close()

    w = make_window(layer.path)
    page, (d,) = w.deployments_page, w.deployments.all()
    w.tabs.setCurrentWidget(page)  # shown: the figures are read in the background
    page.select(d.saved_id)
    panel = page.quality
    threshold = panel.plots["threshold"]
    qtbot.waitUntil(lambda: threshold.figure is not None, timeout=10_000)
    assert threshold.figure.title == "Precision and recall by threshold — fake fake-1"
    assert [(m.x, m.label) for m in threshold.figure.markers] == [(0.5, "slider 0.50"), (0.62, "best 0.62")]
    assert [c.name() for c in threshold.getPlotItem().listDataItems()] == ["precision", "recall", "F1"]
    acceptance = panel.plots["acceptance"].figure
    assert acceptance is not None and acceptance.series[0].y == pytest.approx((1.0, 1 / 3, 1.0, 1.0))
    assert sum(panel.plots["calls"].figure.series[0].y) == 5
    for name in ("threshold", "acceptance", "calls", "latency"):
        assert panel.plots[name].isVisible(), name
    assert not panel.plots["comparison"].isVisible()  # one version so far
    assert [panel.labels.item(r, 0).text() for r in range(panel.labels.rowCount())] == [
        "car",
        "person",
        "all labels",
    ]
    assert "acceptance 78%" in panel.summary.text()

    assert panel.use_button.text() == "Use this threshold (0.62)"
    qtbot.mouseClick(panel.use_button, Qt.MouseButton.LeftButton)
    assert (w.intelligent_dock.slider.value(), w.assist.threshold) == (62, 0.62)
    assert threshold.figure.markers[0].x == 0.62  # the plot follows the slider

    w.assist.set_threshold(0.3)  # Assist Settings offers the same once the deployment is chosen
    qtbot.waitUntil(lambda: w.deployments.status(d.saved_id).state == State.ONLINE, timeout=10_000)
    w.assist.select_deployment(d.saved_id)
    best = w.intelligent_dock.best_button
    qtbot.waitUntil(best.isEnabled, timeout=10_000)
    assert best.text() == "Use best threshold (0.62)"
    qtbot.mouseClick(best, Qt.MouseButton.LeftButton)
    assert w.intelligent_dock.slider.value() == 62
