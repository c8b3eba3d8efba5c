"""The request part of model assist: tickets, jobs, and the request the screen waits for.

Each request for the screen carries a Ticket (image, generation, project). Its answer is kept — cached,
counted, logged — whatever happened meanwhile, but handed on to be drawn only while its ticket is still the
one the screen waits for; an answer asked for by an earlier project opening is dropped. The dispatcher is
also what the prefetcher asks for its background jobs (it is the prefetcher's PrefetchHost).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from app.assist.accounting import Accounting, Kept
from app.assist.cache import AnswerCache
from app.assist.deployment_choice import DeploymentChoice
from app.assist.requests import BACKGROUND, FLOOR, AssistAnswer, AssistJob, Ticket, run
from app.document.document import Document
from app.inference.deployments import Deployments
from app.models import Deployment, ImageRecord, PredictionSet, Protocol
from app.store.assist_store import AssistStore, CacheKey
from app.worker import RunnerPool


class Dispatcher(QObject):
    answered = Signal(object, object)  # AssistAnswer, Kept: the answer the screen waited for, kept already
    busyChanged = Signal()

    def __init__(
        self, doc: Document, deployments: Deployments, choice: DeploymentChoice, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.doc = doc
        self.deployments = deployments
        self.choice = choice
        self.cache = AnswerCache()
        self.accounting = Accounting(deployments, self.cache)
        self._generation = 0
        self._project = 0  # counts project openings
        self._waiting: Ticket | None = None  # the ticket of the request the screen waits for
        self._runner = RunnerPool(self, name="assist")  # a new image's request never waits behind an old one
        self._runner.result.connect(self._on_result)

    @property
    def busy(self) -> bool:
        """Whether the screen waits for an answer."""
        return self._waiting is not None

    def reset(self, records: AssistStore | None) -> None:
        """Another project: answers still out belong to the one before."""
        self._project += 1
        self.drop_current()
        self.cache.reset(records)
        self.accounting.records = records

    def drop_current(self) -> None:
        """The screen waits no more (another image, another deployment, or it shows a cached answer)."""
        self._generation += 1
        self._set_waiting(None)

    # ---- the screen's requests -----------------------------------------------------------------

    def key_for(self, image_id: int, d: Deployment) -> CacheKey | None:
        """The key the deployment's answer for this image is (or would be) cached under, once the image's
        content is known; None before, or when the deployment is offline."""
        probe = self.deployments.probe(d.saved_id)
        return self.cache.key(image_id, d.saved_id, probe.model.version) if probe is not None else None

    def cached_answer(self, key: CacheKey) -> PredictionSet | None:
        return self.cache.get(key)

    def size(self, content_hash: str) -> tuple[int, int]:
        """The size of the image with this content, as the last request read it ((0, 0) if none did)."""
        return self.cache.size(content_hash)

    def send(self, image_id: int, path: Path, d: Deployment, *, refresh: bool = False) -> None:
        """Ask for the image on screen; `refresh` asks the model even when its answer is cached."""
        self._generation += 1
        ticket = Ticket(image_id, self._generation, self._project)
        job = self._job(ticket, path, d, refresh)
        self._runner.submit(partial(run, self.deployments.client, job), ticket)
        self._set_waiting(ticket)

    def _on_result(self, ticket: Ticket, answer: AssistAnswer) -> None:
        img = self.doc.current_image
        waited = ticket == self._waiting
        to_draw = waited and not answer.error and img is not None and img.id == ticket.image_id
        kept = self.keep(answer, count_valid=not to_draw)
        if not waited:
            return  # the labeller moved on: cached, never drawn
        self._set_waiting(None)
        if kept is not None:
            self.answered.emit(answer, kept)

    def _set_waiting(self, ticket: Ticket | None) -> None:
        was = self.busy
        self._waiting = ticket
        if self.busy != was:
            self.busyChanged.emit()

    def _job(self, ticket: Ticket, path: Path, d: Deployment, refresh: bool) -> AssistJob:
        probe = self.deployments.probe(d.saved_id)
        assert probe is not None, "only an online deployment is asked"
        known = frozenset() if refresh else frozenset(self.cache.known(d.saved_id, probe.model.version))
        url = self.deployments.images.share(path) if d.protocol == Protocol.LABEL_STUDIO else ""
        return AssistJob(ticket, path, d, self.deployments.token_for(d), probe, FLOOR, known, url)

    # ---- for the prefetcher (PrefetchHost) -----------------------------------------------------

    @property
    def deployment(self) -> Deployment | None:
        return self.choice.deployment

    def images(self) -> Sequence[ImageRecord]:
        return self.doc.images

    def current_row(self) -> int:
        return self.doc.row

    def cached(self, image_id: int) -> CacheKey | None:
        """The chosen deployment's cached answer for this image: its key, or None when there is none."""
        d, probe = self.choice.deployment, self.choice.probe()
        if d is None or probe is None or not self.cache.has(image_id, d.saved_id, probe.model.version):
            return None
        return self.cache.key(image_id, d.saved_id, probe.model.version)

    def background_job(self, image_id: int) -> AssistJob | None:
        """A job for an image not on screen; None when it is no longer in the project or nothing can be asked."""
        d, row, session = self.choice.deployment, self.doc.row_of(image_id), self.doc.session
        if d is None or row is None or session is None or self.choice.probe() is None:
            return None
        path = session.image_path(self.doc.images[row])
        return self._job(Ticket(image_id, BACKGROUND, self._project), path, d, refresh=False)

    def keep(self, answer: AssistAnswer, *, count_valid: bool = True) -> Kept | None:
        """Keep what a request brought; None when it was asked for by an earlier project opening."""
        if answer.job.ticket.project != self._project or self.accounting.records is None:
            return None
        return self.accounting.keep(answer, self.doc.tags, count_valid=count_valid)

    def stop(self) -> None:
        self._runner.stop(timeout_ms=2000)
