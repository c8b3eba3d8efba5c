"""The deployment a run pre-labels with: one of the project's by name, or — for a model run in the job
itself — the project's local deployment of that model, created when there is none. Its answers are kept
under that record, so the app shows them like any other deployment's once it is started there."""

from __future__ import annotations

from pathlib import Path

from app.inference import secrets
from app.inference.client import InferenceClient
from app.models import Deployment, LocalSpec, Protocol
from app.models.deployment import PEOPLE_MODELS
from app.prelabel.embedded import EmbeddedClient, ModelSource, load_model
from app.prelabel.task import PrelabelTask
from app.store.assist_store import AssistStore


class ChoiceError(Exception):
    """The deployment or model cannot be used; the message says why, for the user."""


def local_spec(model: str) -> LocalSpec:
    """`face`, `pose`, … or the path of a YOLO ONNX export."""
    if model in PEOPLE_MODELS:
        return LocalSpec(people_model=model)
    path = Path(model)
    if not path.is_file():
        raise ChoiceError(f"--model takes one of {', '.join(PEOPLE_MODELS)} or an ONNX file; no file {model}")
    return LocalSpec(onnx_path=str(path.resolve()))


def deployment_for_model(records: AssistStore, spec: LocalSpec) -> Deployment:
    """The project's local deployment of this model; a new one named after it when there is none."""
    deployments = records.deployments()
    existing = next((d for d in deployments if d.local == spec), None)
    if existing is not None:
        return existing
    model = spec.people_model or Path(spec.onnx_path or "model").stem  # as the app names a local deployment
    taken = {d.name for d in deployments}
    name = model if model not in taken else f"{model} (local)"
    number = 2
    while name in taken:
        name, number = f"{model} (local {number})", number + 1
    return records.save_deployment(Deployment(name=name, model=model, local=spec))


def named_deployment(records: AssistStore, name: str) -> Deployment:
    deployments = records.deployments()
    found = next((d for d in deployments if d.name == name), None)
    if found is None:
        names = ", ".join(repr(d.name) for d in deployments) or "none yet (add one in the app)"
        raise ChoiceError(f"the project has no deployment named {name!r}; it has {names}")
    if found.protocol == Protocol.LABEL_STUDIO:
        raise ChoiceError(
            f"{name!r} is a Label Studio backend: it fetches each image from the app, so pre-label with it "
            "from the app (Ctrl+Shift+M)"
        )
    return found


def make_task(records: AssistStore, d: Deployment, max_rps: float | None) -> PrelabelTask:
    """Ask the deployment (or load the model) once, here, to learn its model and version, and read which
    images' contents it has answered already. Raises ChoiceError when it cannot be asked."""
    from app.inference.errors import InferenceError

    model = ModelSource.for_local(d.local) if d.local is not None else None
    token = secrets.load_token(d.url, d.name) if d.has_token and model is None else None
    try:
        client = EmbeddedClient(load_model(model)) if model is not None else InferenceClient()
        probe = client.probe(d, token)
    except InferenceError as e:
        raise ChoiceError(f"cannot use {d.name!r}: {e}") from None
    except (OSError, ValueError, RuntimeError) as e:  # a model that does not load
        raise ChoiceError(f"cannot load the model of {d.name!r}: {e}") from None
    known = frozenset(records.cached_hashes(d.saved_id, probe.model.version))
    return PrelabelTask(d, token, probe, known, model, None if model is not None else max_rps)
