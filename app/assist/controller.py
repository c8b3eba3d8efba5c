"""Model assist for the image on screen: asks the selected deployment, keeps the answers, and holds the
suggestions' filters and selection. The canvas and the Intelligent Tools dock only show and call it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from app.assist import suggestions as sg
from app.assist.cache import AnswerCache
from app.assist.commands import CommitSuggestions, DismissSuggestions, Origin
from app.assist.prefetch import Prefetcher
from app.assist.requests import AssistAnswer, AssistJob, run
from app.document.document import Document
from app.inference.client import InferenceClient
from app.inference.deployments import Deployments
from app.inference.request_log import LogEntry
from app.models import Deployment, PredictionSet, Protocol
from app.store.assist_store import AssistStore, CacheKey
from app.worker import RunnerPool

FLOOR = 0.05  # asked of the model; the slider only ever hides more
DEFAULT_THRESHOLD = 0.5


@dataclass
class View:
    """Suggestions for the image on screen, from one cached answer."""

    image_id: int
    key: CacheKey
    deployment: Deployment
    result: PredictionSet
    all: list[sg.Suggestion] = field(default_factory=list)
    candidates: list[sg.Suggestion] = field(default_factory=list)  # not ignored, duplicated or decided
    shown: list[sg.Suggestion] = field(default_factory=list)  # candidates above the threshold
    duplicates: set[str] = field(default_factory=set)  # keys an existing annotation already covers


class AssistController(QObject):
    suggestionsChanged = Signal()  # what is shown changed (answer, threshold, decisions, annotations)
    selectionChanged = Signal()  # selected or focused suggestions changed
    stateChanged = Signal()  # deployment, auto-assist, threshold or busy changed
    status = Signal(str)  # one line for the status bar

    def __init__(self, doc: Document, deployments: Deployments, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.deployments = deployments
        self.client: InferenceClient = deployments.client
        self.records: AssistStore | None = None
        self.deployment_id: int | None = None
        self.wanted_deployment_id: int | None = None  # re-selected when it comes back online
        self.threshold = DEFAULT_THRESHOLD
        self.auto = False
        self.view: View | None = None
        self.selected: set[str] = set()
        self.focused: str | None = None
        self.busy = False
        self.generation = 0
        self.project = 0  # counts project openings; answers asked for by an earlier one are dropped
        self.cache = AnswerCache()
        self._logged: LogEntry | None = None  # the entry of the answer on screen
        self._arrived: LogEntry | None = None
        self._logged_duplicates: set[str] = set()
        self._runner = RunnerPool(self, name="assist")  # a new image's request never waits behind an old one
        self._runner.result.connect(self._on_answer)
        self.prefetcher = Prefetcher(self)
        doc.projectChanged.connect(self._on_project)
        doc.currentImageChanged.connect(self._on_image)
        for signal in (doc.annotationsAdded, doc.annotationsRemoved, doc.annotationsChanged):
            signal.connect(self._refilter)
        doc.tagsChanged.connect(self._rebuild)  # labels map to tags: a new or renamed tag changes targets
        deployments.statusChanged.connect(self._on_deployment_status)
        deployments.changed.connect(self._on_deployments_changed)

    # ---- settings ------------------------------------------------------------------------------

    @property
    def deployment(self) -> Deployment | None:
        return self.deployments.get(self.deployment_id) if self.deployment_id is not None else None

    def select_deployment(self, deployment_id: int | None) -> None:
        if deployment_id == self.deployment_id:
            return
        self.deployment_id = deployment_id
        if deployment_id is not None:
            self.wanted_deployment_id = deployment_id
        self._clear_view()
        self.prefetcher.clear()
        self.prefetcher.prelabelledChanged.emit()
        self.stateChanged.emit()
        if deployment_id is not None and self.auto:
            self.assist()

    def set_threshold(self, value: float) -> None:
        value = min(max(value, 0.0), 1.0)
        if value == self.threshold:
            return
        self.threshold = value
        self._apply_threshold()
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
            self.status.emit("Model assist: select an online deployment in Intelligent Tools first "
                             "(start or add one on the Deployments page).")  # fmt: skip
            return
        if img is None or path is None or self.records is None:
            self.status.emit("Model assist: no image is open.")
            return
        probe = self.deployments.probe(d.id)  # type: ignore[arg-type]
        if probe is None:
            self.status.emit(f"Model assist: {d.name} is not online.")
            return
        self.generation += 1
        key = self.cache.key(img.id, d.id, probe.model.version)  # type: ignore[arg-type]
        if key is not None and not refresh and self._show_cached(img.id, key, d):  # type: ignore[arg-type]
            self.prefetcher.plan()
            return
        job = self.make_job(img.id, path, d, refresh=refresh)  # type: ignore[arg-type]
        self._runner.submit(lambda: run(self.client, job), (img.id, self.generation))
        self._set_busy(True)
        self.status.emit(f"Model assist: sent {path.name} to {d.name}, waiting…")
        self.prefetcher.plan()

    def refresh(self) -> None:
        self.assist(refresh=True)

    def make_job(self, image_id: int, path: Path, d: Deployment, *, refresh: bool = False) -> AssistJob:
        probe = self.deployments.probe(d.id)  # type: ignore[arg-type]
        assert probe is not None
        known = frozenset() if refresh else frozenset(self.cache.known(d.id, probe.model.version))  # type: ignore[arg-type]
        url = self.deployments.images.share(path) if d.protocol == Protocol.LABEL_STUDIO else ""
        return AssistJob(image_id, path, d, self.deployments.token_for(d), probe, FLOOR, known,
                         f"img-{image_id}/gen-{self.generation}", url, self.project)  # fmt: skip

    def is_cached(self, image_id: int, d: Deployment) -> bool:
        probe = self.deployments.probe(d.id)  # type: ignore[arg-type]
        return probe is not None and self.cache.has(image_id, d.id, probe.model.version)  # type: ignore[arg-type]

    def accept(self, answer: AssistAnswer, *, to_show: bool = False) -> CacheKey | None:
        """Keep what a request brought (cache, usage); returns its cache key. Used for prefetches too."""
        job = answer.job
        d = job.deployment
        if job.project != self.project or self.records is None:
            return None  # asked for by a project closed since: its ids name other images and deployments now
        if answer.content_hash:
            self.cache.learn(job.image_id, answer.content_hash, answer.width, answer.height)
        if self.deployments.get(d.id) is None:  # type: ignore[arg-type]
            return None  # the deployment was removed meanwhile
        key = None
        if answer.content_hash:
            key = CacheKey(content_hash=answer.content_hash, deployment_id=d.id, model_version=job.probe.model.version)  # type: ignore[arg-type]
        if answer.result is not None and key is not None:
            self.cache.put(key, answer.result)
        if answer.result is not None or answer.failure is not None:
            entry = self._log(answer, count_valid=not to_show)  # an answer shown counts as it is built
            self._arrived = entry  # _on_answer attaches it to the view when it shows this answer
            self.records.record_call(d.id, ok=not answer.error, latency_ms=answer.latency_ms,  # type: ignore[arg-type]
                                     predictions=len(answer.result.predictions) if answer.result else 0,
                                     content_hash=answer.content_hash, detail=answer.error)  # fmt: skip
        if answer.failure is not None:
            self.deployments.report_failure(d.id, answer.error, answer.failure)  # type: ignore[arg-type]
        elif answer.result is not None:
            self.deployments.report_success(d.id)  # type: ignore[arg-type]
        return key

    def _log(self, answer: AssistAnswer, *, count_valid: bool) -> LogEntry:
        job, result = answer.job, answer.result
        valid = 0
        if result is not None and count_valid:
            valid = len(sg.build(result, job.deployment, self.doc.tags, answer.width, answer.height))
        entry = LogEntry(image=job.path.name, status=answer.status, latency_ms=answer.latency_ms,
                         bytes_sent=answer.bytes_sent, raw=(len(result.predictions) if result else 0) + answer.dropped,
                         valid=valid, error=answer.error)  # fmt: skip
        return self.deployments.log.add(job.deployment.id, entry)  # type: ignore[arg-type]

    def _on_answer(self, token: object, answer: AssistAnswer) -> None:
        image_id, generation = token  # type: ignore[misc]
        img = self.doc.current_image
        to_show = generation == self.generation and not answer.error and img is not None and img.id == image_id
        key = self.accept(answer, to_show=to_show)
        if generation != self.generation:
            return  # the labeller moved on: cached, never drawn
        self._set_busy(False)
        if answer.error:
            self.status.emit(f"Model assist failed: {answer.error}")
            return
        if img is None or img.id != image_id or key is None:
            return
        if not self._show_cached(image_id, key, answer.job.deployment):
            self.status.emit("Model assist: the answer could not be kept.")
            return
        self._logged = self._arrived
        self._logged_duplicates = set(self.view.duplicates) if self.view else set()  # as the answer came
        self._update_log()
        if answer.dropped:
            self.status.emit(self._summary() + f" ({answer.dropped} with invalid numbers left out)")

    # ---- the suggestions on screen -------------------------------------------------------------

    def _show_cached(self, image_id: int, key: CacheKey, d: Deployment) -> bool:
        result = self.cache.get(key)
        if result is None:
            return False
        self.view = View(image_id, key, d, result)
        self._logged = None
        self.selected, self.focused = set(), None
        self._rebuild()
        self.status.emit(self._summary())
        return True

    def _summary(self) -> str:
        v = self.view
        if v is None:
            return ""
        return (f"Model assist: {len(v.result.predictions)} prediction(s) from {v.deployment.name}; "
                f"{len(v.shown)} of {len(v.candidates)} shown at ≥ {self.threshold:.2f}")  # fmt: skip

    def _rebuild(self) -> None:
        """Suggestions from the answer: targets (tags may have changed), then the filters."""
        v = self.view
        if v is None:
            return
        d = self.deployments.get(v.key.deployment_id) or v.deployment
        img = self.doc.current_image
        width, height = self.cache.size(v.key.content_hash)
        if img is not None and img.width and img.height:
            width, height = img.width, img.height
        v.all = sg.build(v.result, d, self.doc.tags, width, height)
        self._refilter()

    def _refilter(self) -> None:
        v = self.view
        if v is None or self.records is None:
            return
        v.duplicates = sg.duplicates(v.all, self.doc.annotations.values())
        hidden = set(self.records.decisions(v.key)) | v.duplicates
        v.candidates = sg.candidates(v.all, hidden)
        self._apply_threshold()

    def _update_log(self) -> None:
        """The request log entry of the answer on screen learns how many made it through each filter."""
        v, entry = self.view, self._logged
        if v is None or entry is None:
            return
        above = [s for s in v.all if not s.target.ignored and s.score >= self.threshold]
        entry.valid = len(v.all)
        entry.mapped = sum(not s.target.ignored for s in v.all)
        entry.above = len(above)
        entry.shown = sum(s.key not in self._logged_duplicates for s in above)

    def _apply_threshold(self) -> None:
        v = self.view
        if v is None:
            return
        v.shown = sg.above(v.candidates, self.threshold)
        self._update_log()
        keys = {s.key for s in v.shown}
        self.selected &= keys
        if self.focused not in keys:
            self.focused = None
        self.suggestionsChanged.emit()

    def _clear_view(self) -> None:
        self.generation += 1
        self._set_busy(False)
        if self.view is not None:
            self.view = None
            self.selected, self.focused = set(), None
            self.suggestionsChanged.emit()

    def shown(self) -> list[sg.Suggestion]:
        return self.view.shown if self.view else []

    def counts(self) -> tuple[int, int]:
        """(shown, candidates): "n of N shown"."""
        return (len(self.view.shown), len(self.view.candidates)) if self.view else (0, 0)

    # ---- selection -----------------------------------------------------------------------------

    def toggle(self, key: str) -> None:
        if key not in {s.key for s in self.shown()}:
            return
        self.selected ^= {key}
        self.focused = key
        self.selectionChanged.emit()

    def cycle(self, step: int) -> None:
        """Tab / Shift+Tab: move the focus through the shown suggestions."""
        shown = self.shown()
        if not shown:
            return
        keys = [s.key for s in shown]
        i = keys.index(self.focused) if self.focused in keys else (-1 if step > 0 else 0)
        self.focused = keys[(i + step) % len(keys)]
        self.selectionChanged.emit()

    def toggle_focused(self) -> None:
        if self.focused is not None:
            self.toggle(self.focused)

    # ---- decisions -----------------------------------------------------------------------------

    def _origin(self) -> Origin:
        v = self.view
        assert v is not None and self.records is not None
        return Origin(self.records, v.key, v.deployment.name, v.result.model, self._refilter)

    def commit_selected(self) -> int:
        chosen = [s for s in self.shown() if s.key in self.selected]
        if not chosen:
            self.status.emit("Nothing selected: click suggestions (or Tab and X) first, or press S to commit "
                             "all shown." if self.shown() else "No suggestions to commit: press M first.")  # fmt: skip
            return 0
        return self._commit(chosen)

    def commit_all(self) -> int:
        if not self.shown():
            self.status.emit("No suggestions to commit: press M first.")
            return 0
        return self._commit(list(self.shown()))

    def _commit(self, chosen: list[sg.Suggestion]) -> int:
        v = self.view
        assert v is not None
        self.doc.undo_stack.push(CommitSuggestions(self.doc, v.image_id, self._origin(), chosen))
        self.status.emit(f"Committed {len(chosen)} suggestion(s).")
        return len(chosen)

    def dismiss(self) -> int:
        """Esc: dismiss the selected suggestions, or all shown when none is selected."""
        v = self.view
        chosen = [s for s in self.shown() if s.key in self.selected] or list(self.shown())
        if v is None or not chosen:
            return 0
        self.doc.undo_stack.push(DismissSuggestions(self.doc, v.image_id, self._origin(), chosen))
        self.status.emit(f"Dismissed {len(chosen)} suggestion(s) (Ctrl+Z brings them back).")
        return len(chosen)

    # ---- reacting to the rest of the app -------------------------------------------------------

    def _on_project(self) -> None:
        self.project += 1
        self._clear_view()
        self.prefetcher.clear()
        self.records = AssistStore(self.doc.store) if self.doc.store is not None else None
        self.cache.reset(self.records)
        self.deployment_id = self.wanted_deployment_id = None
        self.deployments.set_records(self.records)
        self.prefetcher.prelabelledChanged.emit()
        self.stateChanged.emit()

    def _on_image(self) -> None:
        self._clear_view()
        img = self.doc.current_image
        if self.deployment is not None and img is not None and (self.auto or self.prefetcher.is_prelabelled(img.id)):  # type: ignore[arg-type]
            self.assist()  # a pre-labelled image shows its pending suggestions from the project file

    def _on_deployment_status(self, deployment_id: int) -> None:
        online = {d.id for d in self.deployments.online()}
        if self.deployment_id == deployment_id and deployment_id not in online:
            d = self.deployments.get(deployment_id)
            self.select_deployment(None)
            self.wanted_deployment_id = deployment_id
            self.status.emit(f"{d.name if d else 'The deployment'} went offline: "
                             f"{self.deployments.status(deployment_id).message}")  # fmt: skip
        elif self.deployment_id is None and self.wanted_deployment_id == deployment_id and deployment_id in online:
            self.select_deployment(deployment_id)
        self.stateChanged.emit()

    def _on_deployments_changed(self) -> None:
        if self.deployment_id is not None and self.deployments.get(self.deployment_id) is None:
            self.select_deployment(None)
        self._rebuild()  # a mapping may have changed
        self.stateChanged.emit()

    def _set_busy(self, busy: bool) -> None:
        if busy != self.busy:
            self.busy = busy
            self.stateChanged.emit()

    def stop(self) -> None:
        self.prefetcher.stop()
        self._runner.stop(timeout_ms=2000)
