"""What every worker needs to pre-label one image, and the asking itself: the app's own request code
(read the file, hash it, skip it when its answer is cached, ask, read the answer), run by the app's client
over HTTP or by the embedded client in the worker."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from app.assist.requests import BACKGROUND, FLOOR, AssistAnswer, AssistJob, Ticket, run
from app.inference.adapters import Probe
from app.inference.client import InferenceClient
from app.models import Deployment
from app.prelabel.embedded import EmbeddedClient, ModelSource, load_model
from app.prelabel.pacing import PacedClient, Pacer

PROJECT = 0  # the tickets' project opening: one per run, answers are never dropped as another project's


@dataclass(frozen=True)
class PrelabelTask:
    deployment: Deployment
    token: str | None
    probe: Probe
    known: frozenset[str]  # content hashes already answered by this deployment and model version
    model: ModelSource | None = None  # run the model in the worker; None: ask the deployment over HTTP
    max_rps: float | None = None  # for all requests of one worker process together
    floor: float = FLOOR

    def job(self, image_id: int, path: Path) -> AssistJob:
        ticket = Ticket(image_id, BACKGROUND, PROJECT)
        return AssistJob(ticket, path, self.deployment, self.token, self.probe, self.floor, self.known)

    def share(self, workers: int) -> PrelabelTask:
        """The task for one of `workers` processes: each keeps to its part of --max-rps."""
        rps = self.max_rps / workers if self.max_rps else None
        return dataclasses.replace(self, max_rps=rps)


class Asker:
    """Asks for images of one task; one per thread (the embedded model is not shared between threads)."""

    def __init__(self, task: PrelabelTask, pacer: Pacer | None = None) -> None:
        self.task = task
        self.client: InferenceClient
        if task.model is not None:
            self.client = EmbeddedClient(load_model(task.model))
        else:
            self.client = PacedClient(pacer or Pacer(task.max_rps))

    def __call__(self, image_id: int, path: Path) -> AssistAnswer:
        return run(self.client, self.task.job(image_id, path))

    @property
    def busy_answers(self) -> int:
        """429 / 503 answers waited out and retried."""
        return getattr(self.client, "busy_answers", 0)


def travelling(answer: AssistAnswer) -> AssistAnswer:
    """The answer without what stays with the workers (the known hashes, the token), to send back."""
    job = dataclasses.replace(answer.job, known=frozenset(), token=None)
    return dataclasses.replace(answer, job=job)
