"""Driving model assist like a labeller: a deployment online and selected, M, waiting for suggestions."""

from __future__ import annotations

import json
import urllib.request

from app.models import Deployment
from app.widgets.main_window import MainWindow


def use_deployment(qtbot, window: MainWindow, name: str, url: str, model: str, **extra) -> Deployment:  # type: ignore[no-untyped-def]
    """Add a remote deployment, wait until it is online, and pick it in the Intelligent Tools dock."""
    d = window.deployments.save(Deployment(name=name, url=url, model=model, **extra))
    qtbot.waitUntil(lambda: any(o.id == d.id for o in window.deployments.online()), timeout=15_000)
    combo = window.intelligent_dock.combo
    index = combo.findData(d.id)
    assert index > 0, "an online deployment is listed in the dropdown"
    combo.setCurrentIndex(index)
    combo.activated.emit(index)
    assert window.assist.deployment_id == d.id
    return d


def wait_for_suggestions(qtbot, window: MainWindow, timeout: int = 20_000) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: window.assist.view is not None and not window.assist.busy, timeout=timeout)


def server_inferences(url: str, model: str) -> int:
    """How many inferences the reference server counted for the model (its Triton-style /stats)."""
    with urllib.request.urlopen(f"{url}/v2/models/{model}/stats") as r:
        return json.load(r)["model_stats"][0]["inference_count"]
