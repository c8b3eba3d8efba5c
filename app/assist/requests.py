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


@dataclass(frozen=True)
class AssistJob:
    image_id: int
    path: Path
    deployment: Deployment
    token: str | None
    probe: Probe
    floor: float
    known: frozenset[str]  # content hashes already cached for this deployment and model version
    request_id: str
    image_url: str = ""  # for servers that fetch the image themselves
    project: int = 0  # which opening of a project asked: ids mean other images once another one is open


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


def content_hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def run(client: InferenceClient, job: AssistJob) -> AssistAnswer:
    """Never raises: a failure comes back as the answer's error, in plain words."""
    try:
        if job.path.stat().st_size > MAX_UPLOAD_BYTES:
            return AssistAnswer(job, error=f"{job.path.name} is larger than {MAX_UPLOAD_BYTES // 2**20} MiB; "
                                           "not sent", failure=Failure.PROTOCOL)  # fmt: skip
        data = job.path.read_bytes()
        info = probe(job.path)
    except (OSError, ImageLoadError) as e:
        return AssistAnswer(job, error=f"cannot read {job.path.name}: {e}")
    digest = content_hash(data)
    if digest in job.known:
        return AssistAnswer(job, digest, info.width, info.height)
    try:
        image = ImageInput(data, job.path.name, info.width, info.height, job.image_url)
        outcome = client.infer(job.deployment, job.token, image, floor=job.floor, probe=job.probe,
                               request_id=job.request_id)  # fmt: skip
    except InferenceError as e:
        return AssistAnswer(job, digest, info.width, info.height, error=str(e), failure=e.failure, status=e.status)
    except Exception as e:  # a lying server must never take the worker down
        return AssistAnswer(job, digest, info.width, info.height, error=f"unexpected answer: {e}",
                            failure=Failure.PROTOCOL)  # fmt: skip
    result = PredictionSet(model=job.probe.model, floor=job.floor, predictions=tuple(outcome.predictions))
    return AssistAnswer(job, digest, info.width, info.height, result, outcome.latency_ms, outcome.bytes_sent,
                        outcome.dropped, status=outcome.status)  # fmt: skip
