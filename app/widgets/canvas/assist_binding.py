"""Keeps the canvas's suggestion layer in step with the model-assist controller."""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.assist.controller import AssistController
from app.models.palette import next_color
from app.widgets.canvas.suggestion_layer import SuggestionLayer

if TYPE_CHECKING:
    from app.widgets.canvas.view import CanvasView


def bind_assist(view: CanvasView, controller: AssistController) -> SuggestionLayer:
    layer = SuggestionLayer()
    view.annotation_scene.addItem(layer)
    view.suggestions = layer
    view.assist = controller
    shown_view: list[object] = [None]  # the controller's View last drawn

    def redraw() -> None:
        v = controller.view
        if v is not shown_view[0]:
            layer.reset()
            shown_view[0] = v
        if v is None:
            return
        layer.set_suggestions(controller.shown(), view.annotation_scene.image_rect(), v.result.model.skeleton,
                              next_color([t.color for t in controller.doc.tags.values()]))  # fmt: skip
        layer.set_selection(controller.selected, controller.focused)

    controller.suggestionsChanged.connect(redraw)
    controller.selectionChanged.connect(lambda: layer.set_selection(controller.selected, controller.focused))
    view.imageShown.connect(redraw)  # the image's extent is known now
    return layer
