"""Annotations: a tag, a geometry and where it came from (drawn by hand or committed from a model)."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from app.models.geometry import Geometry
from app.models.record import Record


class Source(StrEnum):
    MANUAL = "manual"
    MODEL = "model"


def utc_now() -> datetime:
    return datetime.now(UTC)


class Provenance(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)
    source: Source = Source.MANUAL
    deployment: str | None = None
    model: str | None = None
    version: str | None = None
    score: float | None = Field(default=None, ge=0.0, le=1.0)
    time: datetime = Field(default_factory=utc_now)
    # The key of the suggestion it was committed from: links it to that suggestion's decision, so the
    # model's quality can tell a suggestion kept as it was from one corrected afterwards.
    suggestion: str | None = None


class Annotation(Record):
    model_config = ConfigDict(frozen=True, defer_build=True)
    image_id: int
    tag_id: int
    geometry: Geometry
    provenance: Provenance = Field(default_factory=Provenance)
    # Who drew or committed it, and who changed it last (labeller names; empty when not known).
    author: str = ""
    editor: str = ""
    # The row version in the project: an edit made from an older version is refused (team projects).
    version: int = Field(default=1, ge=1)
