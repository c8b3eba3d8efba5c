"""Model assist for the image on screen: chooses the deployment, wires the parts, and offers what the canvas
and the Intelligent Tools dock call. The parts, each emitting only its own signals: the suggestion set (no Qt;
the one copy of selection and focus) and its feed, the dispatcher (tickets, requests, answers kept), the
prefetcher (background requests, through a narrow protocol) and the pre-label marks."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from app.assist import suggestions as sg
from app.assist.accounting import Kept
from app.assist.change_batch import ChangeBatch, Update
from app.assist.commands import CommitSuggestions, DismissSuggestions, Origin
from app.assist.deployment_choice import DeploymentChoice
from app.assist.dispatcher import Dispatcher
from app.assist.feed import SuggestionFeed
from app.assist.prefetch import Prefetcher
from app.assist.prelabel_marks import PrelabelMarks
from app.assist.requests import AssistAnswer
from app.assist.suggestion_set import Answer, SuggestionSet
from app.document.document import Document
from app.inference.deployments import Deployments
from app.models import Deployment, Polygon
from app.store.assist_store import AssistStore, CacheKey

_Decision = CommitSuggestions | DismissSuggestions


def project_records(doc: Document) -> AssistStore | None:
    """The model-assist records of the project open in `doc` (the one place they are made)."""
    return doc.session.assist_records if doc.session is not None else None


class AssistController(QObject):
    suggestionsChanged = Signal()  # what is shown changed (answer, threshold, decisions, annotations)
    selectionChanged = Signal()  # selected or focused suggestions changed
    stateChanged = Signal()  # deployment, auto-assist, threshold or busy changed
    status = Signal(str)  # one line for the status bar

    def __init__(self, doc: Document, deployments: Deployments, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.deployments = deployments
        self.records: AssistStore | None = None
        self.auto = False
        self.choice = DeploymentChoice(deployments)
        self.suggestion_set = SuggestionSet()
        self.marks = PrelabelMarks(self)
        self.dispatcher = Dispatcher(doc, deployments, self.choice, self)
        self.prefetcher = Prefetcher(self.dispatcher, deployments.client, self.marks, self)
        self.feed = SuggestionFeed(doc, deployments, self.dispatcher, self.suggestion_set)
        self._changes = ChangeBatch(self.feed.refilter, self.feed.retarget, self.suggestionsChanged.emit)
        self.dispatcher.answered.connect(self._on_answer)
        self.dispatcher.busyChanged.connect(self.stateChanged)
        self.prefetcher.status.connect(self.status)
        self.marks.added.connect(self._on_marked)
        doc.projectChanged.connect(self._on_project)
        doc.currentImageChanged.connect(self._on_image)
        for signal in (doc.annotationsAdded, doc.annotationsRemoved, doc.annotationsChanged):
            signal.connect(self._on_annotations)
        doc.tagsChanged.connect(self._on_tags)
        deployments.statusChanged.connect(self._on_deployment_status)
        deployments.changed.connect(self._on_deployments_changed)

    # ---- state the widgets read ----------------------------------------------------------------

    @property
    def deployment(self) -> Deployment | None:
        return self.choice.deployment

    @property
    def deployment_id(self) -> int | None:
        return self.choice.chosen_id

    @property
    def threshold(self) -> float:
        return self.suggestion_set.threshold

    @property
    def busy(self) -> bool:
        return self.dispatcher.busy

    @property
    def view(self) -> Answer | None:
        """The answer on screen; None when no suggestions are shown."""
        return self.suggestion_set.answer

    @property
    def selected(self) -> set[str]:
        return self.suggestion_set.selected

    @property
    def focused(self) -> str | None:
        return self.suggestion_set.focused

    def shown(self) -> list[sg.Suggestion]:
        return self.suggestion_set.shown

    def counts(self) -> tuple[int, int]:
        """(shown, candidates): "n of N shown"."""
        return self.suggestion_set.counts()

    # ---- settings ------------------------------------------------------------------------------

    def select_deployment(self, deployment_id: int | None) -> None:
        if deployment_id == self.choice.chosen_id:
            return
        self.choice.choose(deployment_id)
        self._clear_view()
        self.prefetcher.clear()
        self._follow_marks()
        self.stateChanged.emit()
        if deployment_id is not None and self.auto:
            self.assist()

    def set_threshold(self, value: float) -> None:
        before = self.threshold
        if self.feed.set_threshold(value):
            self.suggestionsChanged.emit()
        if self.threshold != before:
            self.stateChanged.emit()

    def set_auto(self, on: bool) -> None:
        self.auto = on
        self.stateChanged.emit()
        if on and self.view is None:
            self.assist()

    # ---- requests ------------------------------------------------------------------------------

    def assist(self, *, refresh: bool = False) -> None:
        """M: show the model's suggestions for this image — from the cache, or by asking it."""
        d, img, path = self.deployment, self.doc.current_image, self.doc.current_path()
        if d is None:
            self.status.emit(
                "Model assist: select an online deployment in Intelligent Tools first "
                "(start or add one on the Deployments page)."
            )
            return
        if img is None or img.id is None or path is None or self.records is None:
            self.status.emit("Model assist: no image is open.")
            return
        if self.deployments.probe(d.saved_id) is None:
            self.status.emit(f"Model assist: {d.name} is not online.")
            return
        key = self.dispatcher.key_for(img.id, d)
        if not refresh and key is not None and self._show_cached(img.id, key, d):
            self.dispatcher.drop_current()  # a request still out for the screen is not wanted any more
        else:
            self.dispatcher.send(img.id, path, d, refresh=refresh)  # it replaces any still out
            self.status.emit(f"Model assist: sent {path.name} to {d.name}, waiting…")
        self.prefetcher.plan(self.auto)

    def refresh(self) -> None:
        self.assist(refresh=True)

    def _on_answer(self, answer: AssistAnswer, kept: Kept) -> None:
        if answer.error:
            self.status.emit(f"Model assist failed for {answer.job.path.name}: {answer.error}")
            return
        img = self.doc.current_image
        if img is None or img.id != answer.job.image_id or kept.key is None:
            return
        if not self.feed.show_arrived(answer, kept):
            self.status.emit("Model assist: the answer could not be kept.")
            return
        self.suggestionsChanged.emit()
        dropped = f" ({answer.dropped} with invalid numbers left out)" if answer.dropped else ""
        notes = "".join(f"; {note}" for note in answer.notes)
        self.status.emit(self.feed.summary() + dropped + notes)

    # ---- the suggestions on screen -------------------------------------------------------------

    def _show_cached(self, image_id: int, key: CacheKey, d: Deployment) -> bool:
        if not self.feed.show(image_id, key, d):
            return False
        self.suggestionsChanged.emit()
        self.status.emit(self.feed.summary())
        return True

    def _clear_view(self) -> None:
        self.dispatcher.drop_current()
        if self.feed.clear():
            self.suggestionsChanged.emit()

    # ---- selection -----------------------------------------------------------------------------

    def toggle(self, key: str) -> None:
        self._selection_changed(self.suggestion_set.toggle(key))

    def cycle(self, step: int) -> None:
        """Tab / Shift+Tab: move the focus through the shown suggestions."""
        self._selection_changed(self.suggestion_set.cycle(step))

    def toggle_focused(self) -> None:
        self._selection_changed(self.suggestion_set.toggle_focused())

    def _selection_changed(self, changed: bool) -> None:
        if changed:
            self.selectionChanged.emit()

    def refine(self, outlines: dict[str, Polygon]) -> None:
        """Box suggestions of the answer on screen become these outlines, still pending (see refine.py)."""
        answer = self.view
        if answer is not None and outlines:
            self.feed.refinements.put(answer.key, outlines)
            self._changes.need(Update.RETARGET)

    # ---- decisions -----------------------------------------------------------------------------

    def commit_selected(self) -> int:
        chosen = self.suggestion_set.chosen()
        if not chosen:
            self.status.emit(
                "Nothing selected: click suggestions (or Tab and X) first, or press S to commit all shown."
                if self.shown()
                else "No suggestions to commit: press M first."
            )
            return 0
        return self._commit(chosen)

    def commit_all(self) -> int:
        if not self.shown():
            self.status.emit("No suggestions to commit: press M first.")
            return 0
        return self._commit(list(self.shown()))

    def _commit(self, chosen: list[sg.Suggestion]) -> int:
        self._decide(CommitSuggestions, chosen)
        self.status.emit(f"Committed {len(chosen)} suggestion(s).")
        return len(chosen)

    def dismiss(self) -> int:
        """Esc: dismiss the selected suggestions, or all shown when none is selected."""
        chosen = self.suggestion_set.chosen() or list(self.shown())
        if chosen:
            self._decide(DismissSuggestions, chosen)
            self.status.emit(f"Dismissed {len(chosen)} suggestion(s) (Ctrl+Z brings them back).")
        return len(chosen)

    def _decide(self, command: type[_Decision], chosen: list[sg.Suggestion]) -> None:
        """One undo step; the suggestions are filtered again once, when it has been applied."""
        answer, records = self.view, self.records
        assert answer is not None and records is not None
        model, one_change = answer.result.model, self._changes.one_change
        origin = Origin(records, answer.key, answer.deployment.name, model, one_change)
        self.doc.push(command(self.doc, answer.image_id, origin, chosen))

    # ---- reacting to the rest of the app -------------------------------------------------------

    def _on_project(self) -> None:
        self._clear_view()
        self.prefetcher.clear()
        self.records = self.feed.records = project_records(self.doc)
        self.dispatcher.reset(self.records)
        self.choice.forget()
        self.deployments.set_records(self.records)
        self._follow_marks()
        self.stateChanged.emit()

    def _on_annotations(self, _changed: list[object]) -> None:
        self._changes.need(Update.REFILTER)  # duplicates of the image's annotations are hidden

    def _on_tags(self) -> None:
        self._changes.need(Update.RETARGET)  # labels map to tags: a new or renamed tag changes targets

    def _on_image(self) -> None:
        self._clear_view()
        img = self.doc.current_image
        if self.deployment is None or img is None or img.id is None:
            return
        if self.auto or self.marks.is_prelabelled(img.id):
            self.assist()  # a pre-labelled image shows its pending suggestions from the project file

    def _on_marked(self, image_ids: set[int]) -> None:
        img = self.doc.current_image
        if self.view is None and not self.busy and img is not None and img.id in image_ids:
            self.assist()  # the labeller is on this image: show its suggestions now, from the cache

    def _follow_marks(self) -> None:
        self.marks.follow(self.records, *self.choice.model())

    def _on_deployment_status(self, deployment_id: int) -> None:
        online = deployment_id in {d.id for d in self.deployments.online()}
        if self.choice.chosen_id == deployment_id and not online:
            d = self.deployments.get(deployment_id)
            self.select_deployment(None)
            self.choice.wanted_id = deployment_id  # chosen again when it is back
            why = self.deployments.status(deployment_id).message
            self.status.emit(f"{d.name if d else 'The deployment'} went offline: {why}")
        elif self.choice.chosen_id is None and self.choice.wanted_id == deployment_id and online:
            self.select_deployment(deployment_id)
        self._follow_marks()  # the model version may have changed
        self.stateChanged.emit()

    def _on_deployments_changed(self) -> None:
        chosen = self.choice.chosen_id
        if chosen is not None and self.deployments.get(chosen) is None:
            self.select_deployment(None)
        self._changes.need(Update.RETARGET)  # a label mapping may have changed
        self.stateChanged.emit()

    def stop(self) -> None:
        self.prefetcher.stop()
        self.dispatcher.stop()
