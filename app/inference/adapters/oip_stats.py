"""Triton's statistics extension (`GET /v2/models[/{name}[/versions/{version}]]/stats`): the server's own
count of inferences for one model, read from an answer that may list every model it serves."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from app.inference.adapters.base import HttpRequest
from app.inference.errors import InferenceError

ALL_MODELS_PATH = "/v2/models/stats"


@dataclass(frozen=True)
class ModelStats:
    """What the server counted for one model (all its versions unless one was asked for)."""

    inferences: int
    compute_ms: float | None  # mean model time per execution; None before the first one


_UINT64 = 2**64 - 1  # Triton's counters are uint64; anything larger is not a count


class _Duration(BaseModel):
    model_config = ConfigDict(extra="ignore")
    count: int = Field(default=0, ge=0, le=_UINT64)
    ns: int = Field(default=0, ge=0, le=_UINT64)


class _InferenceStats(BaseModel):
    model_config = ConfigDict(extra="ignore")
    compute_infer: _Duration = Field(default_factory=_Duration)


class _Entry(BaseModel):
    model_config = ConfigDict(extra="ignore")
    name: str
    version: str = ""  # optional for servers without versions
    inference_count: int = Field(ge=0, le=_UINT64)
    inference_stats: _InferenceStats = Field(default_factory=_InferenceStats)


def model_stats_request(model: str, version: str = "") -> HttpRequest:
    """One model's statistics: of all its versions, or of `version` only."""
    path = f"/v2/models/{quote(model, safe='')}"
    if version:
        path += f"/versions/{quote(version, safe='')}"
    return HttpRequest("GET", f"{path}/stats")


def all_models_request() -> HttpRequest:
    """Every model's statistics, for servers without the per-model route."""
    return HttpRequest("GET", ALL_MODELS_PATH)


def parse_stats(body: bytes, model: str, version: str = "") -> ModelStats | None:
    """The figures of `model` (of `version` only, when given) in a statistics answer, summed over its versions;
    None when the answer has no entry for it. Entries of other models are never read."""
    try:
        raw: Any = json.loads(body)
    except (ValueError, RecursionError):
        raise InferenceError("the statistics answer is not JSON") from None
    entries = raw.get("model_stats") if isinstance(raw, dict) else None
    if not isinstance(entries, list):
        raise InferenceError("the statistics answer has no 'model_stats' list")
    mine = [
        e for e in entries if isinstance(e, dict) and e.get("name") == model and _same_version(e, version)
    ]
    if not mine:
        return None
    try:
        parsed = [_Entry.model_validate(e) for e in mine]
    except ValidationError as e:
        raise InferenceError(
            f"the statistics of model '{model}' do not fit Triton's shape: {e.errors()[0]['msg']}"
        ) from None
    executions = sum(p.inference_stats.compute_infer.count for p in parsed)
    model_ns = sum(p.inference_stats.compute_infer.ns for p in parsed)
    mean = model_ns / executions / 1e6 if executions else None
    return ModelStats(inferences=sum(p.inference_count for p in parsed), compute_ms=mean)


def _same_version(entry: dict[str, Any], version: str) -> bool:
    """Whether the entry is of `version`; any entry is when none is asked for, and an entry without a
    version (a server without versions) always is."""
    found = entry.get("version")
    return not version or found in (None, "") or str(found) == version
