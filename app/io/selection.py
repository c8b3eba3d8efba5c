"""Which images an export takes when it is for retraining a model: only those labelled since a model version
first answered, and/or only a deployment's hard examples — images where its model missed annotations or had
a committed suggestion corrected afterwards (app/store/quality.py)."""

from __future__ import annotations

from app.store.assist_store import AssistStore
from app.store.backend import Database
from app.store.quality import QualityStore


def deployment_id(database: Database, name: str | None) -> int:
    """The deployment of that name; with no name, the project's only one. ValueError otherwise."""
    ds = {d.name: d.saved_id for d in AssistStore(database).deployments()}
    if name is None and len(ds) == 1:
        return next(iter(ds.values()))
    if name is None:
        raise ValueError(f"Say which deployment: {', '.join(sorted(ds)) or 'the project has none'}.")
    if name not in ds:
        raise ValueError(
            f"No deployment named '{name}' (the project has: {', '.join(sorted(ds)) or 'none'})."
        )
    return ds[name]


def selected_images(
    database: Database, changed_since: str | None, hard_examples: bool, deployment: str | None
) -> tuple[set[int] | None, list[str]]:
    """The image ids to export (None: every image) and why the others are left out, in words ("not
    labelled since …", "with no missed …")."""
    if changed_since is None and not hard_examples:
        return None, []
    quality = QualityStore(database)
    chosen: set[int] | None = None
    why = []
    if changed_since is not None:
        chosen = quality.changed_since(changed_since, deployment)
        why.append(f"not labelled since model version {changed_since} first answered")
    if hard_examples:
        hard = set(quality.hard_images(deployment_id(database, deployment)))
        chosen = hard if chosen is None else chosen & hard
        why.append("with no missed annotation or corrected suggestion")
    return chosen, why
