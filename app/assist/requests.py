"""One assist request, as run on the worker thread: read the file, hash it, ask the model unless cached."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from app.imaging.loader import ImageLoadError, probe
from app.inference.adapters import ImageInput, Probe
from app.inference.client import InferenceClient
from app.inference.errors import Failure, InferenceError
from app.models import Deployment, PredictionSet

MAX_UPLOAD_BYTES = 64 * 1024 * 1024
FLOOR = 0.05  # asked of the model; the slider only ever hides more
BACKGROUND = 0  # the generation of prefetch and pre-label requests: never the one the screen waits for


@dataclass(frozen=True)
class Ticket:
    """Who asked: an image, a generation and a project opening.

    The screen draws an answer only while its ticket is the one it waits for. Image and deployment ids are
    per project, so an answer asked for by an earlier opening is dropped rather than cached under them.
    """

    image_id: int
    generation: int
    project: int

    @property
    def request_id(self) -> str:
        """Sent as the protocol's request id (an Open Inference Protocol server echoes it)."""
        return f"img-{self.image_id}/gen-{self.generation}"


@dataclass(frozen=True)
class AssistJob:
    ticket: Ticket
    path: Path
    deployment: Deployment
    token: str | None
    probe: Probe
    floor: float
    known: frozenset[str]  # content hashes already cached for this deployment and model version
    image_url: str = ""  # for servers that fetch the image themselves

    @property
    def image_id(self) -> int:
        return self.ticket.image_id


@dataclass(frozen=True)
class AssistAnswer:
    job: AssistJob
    content_hash: str = ""
    width: int = 0
    height: int = 0
    result: PredictionSet | None = None  # None: cached already (or failed)
    latency_ms: float | None = None
    bytes_sent: int = 0
    dropped: int = 0
    error: str = ""
    failure: Failure | None = None
    status: int | None = None  # HTTP status of the answer
    notes: tuple[str, ...] = ()  # what the user should be told about it (outputs the app could not place)


def content_hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def run(client: InferenceClient, job: AssistJob) -> AssistAnswer:
    """Never raises: a failure comes back as the answer's error, in plain words (about the job's image,
    which the caller names)."""
    try:
        if job.path.stat().st_size > MAX_UPLOAD_BYTES:
            too_big = f"the file is larger than {MAX_UPLOAD_BYTES // 2**20} MiB; not sent"
            return AssistAnswer(job, error=too_big, failure=Failure.PROTOCOL)
        data = job.path.read_bytes()
        info = probe(job.path)
    except ImageLoadError as e:
        return AssistAnswer(job, error=f"cannot read the file: {e.reason}")
    except OSError as e:
        return AssistAnswer(job, error=f"cannot read the file: {(e.strerror or str(e)).lower()}")
    digest = content_hash(data)
    if digest in job.known:
        return AssistAnswer(job, digest, info.width, info.height)
    try:
        image = ImageInput(data, job.path.name, info.width, info.height, job.image_url)
        outcome = client.infer(
            job.deployment,
            job.token,
            image,
            floor=job.floor,
            probe=job.probe,
            request_id=job.ticket.request_id,
        )
    except InferenceError as e:
        return AssistAnswer(
            job, digest, info.width, info.height, error=str(e), failure=e.failure, status=e.status
        )
    except Exception as e:  # a lying server must never take the worker down
        error = f"unexpected answer: {e}"
        return AssistAnswer(job, digest, info.width, info.height, error=error, failure=Failure.PROTOCOL)
    result = PredictionSet(model=job.probe.model, floor=job.floor, predictions=tuple(outcome.predictions))
    return AssistAnswer(
        job,
        digest,
        info.width,
        info.height,
        result,
        outcome.latency_ms,
        outcome.bytes_sent,
        outcome.dropped,
        status=outcome.status,
        notes=outcome.notes,
    )
