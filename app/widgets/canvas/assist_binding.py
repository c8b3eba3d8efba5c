"""Keeps the canvas's suggestion layer in step with the model-assist controller: the layer draws the shown
suggestions and reads their selection from the controller's suggestion set (the one copy)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.assist.controller import AssistController
from app.assist.suggestion_set import Answer
from app.models.palette import next_color
from app.widgets.canvas.suggestion_layer import SuggestionLayer

if TYPE_CHECKING:
    from app.widgets.canvas.view import CanvasView


def bind_assist(view: CanvasView, controller: AssistController) -> SuggestionLayer:
    layer = SuggestionLayer(controller.suggestion_set)
    view.annotation_scene.addItem(layer)
    view.suggestions = layer
    view.assist = controller
    drawn: list[Answer | None] = [None]  # the answer whose shapes the layer holds

    def redraw() -> None:
        answer = controller.view
        if answer is not drawn[0]:
            layer.reset()
            drawn[0] = answer
        if answer is None:
            return
        new_tag_color = next_color([t.color for t in controller.doc.tags.values()])
        image_rect = view.annotation_scene.image_rect()
        layer.set_suggestions(controller.shown(), image_rect, answer.result.model.skeleton, new_tag_color)

    controller.suggestionsChanged.connect(redraw)
    controller.selectionChanged.connect(lambda: layer.update())
    view.imageShown.connect(redraw)  # the image's extent is known now
    return layer
