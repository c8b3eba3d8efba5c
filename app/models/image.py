"""Image records: a path relative to the project file, its size and its labelling status."""

from __future__ import annotations

from enum import StrEnum

from pydantic import ConfigDict, Field

from app.models.record import Record


class ImageStatus(StrEnum):
    NEW = "new"
    IN_PROGRESS = "in_progress"
    DONE = "done"


class Review(StrEnum):
    """A reviewer's verdict on an image's labels; a rejected image goes back to the labeller's to-do."""

    NONE = ""
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class ImageRecord(Record):
    model_config = ConfigDict(frozen=True, defer_build=True)
    path: str = Field(min_length=1, description="POSIX path relative to the project file's folder")
    width: int = Field(default=0, ge=0)
    height: int = Field(default=0, ge=0)
    status: ImageStatus = ImageStatus.NEW
    status_by: str = ""  # who set the status last
    review: Review = Review.NONE
    review_note: str = ""
    reviewed_by: str = ""
