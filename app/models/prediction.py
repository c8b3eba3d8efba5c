"""What a model returned for one image: predictions in image pixels (top-left origin, x right, y down)."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from app.models.geometry import Box, Polygon


class Task(StrEnum):
    DETECT = "detect"
    SEGMENT = "segment"
    KEYPOINTS = "keypoints"


class PredictedPoint(BaseModel):
    model_config = ConfigDict(frozen=True, allow_inf_nan=False, defer_build=True)
    x: float
    y: float
    score: float = 1.0


class Prediction(BaseModel):
    """One detection: a label, a score and its shape — always a box (xyxy), plus a polygon or keypoints."""

    model_config = ConfigDict(frozen=True, allow_inf_nan=False, defer_build=True)
    label: str = Field(min_length=1, max_length=200)
    score: float = Field(ge=0.0, le=1.0)
    box: Box
    polygon: Polygon | None = None
    keypoints: tuple[PredictedPoint, ...] | None = None
    keypoint_names: tuple[str, ...] | None = None  # where the answer names the points (not the metadata)


class ModelInfo(BaseModel):
    """What a deployment's model says about itself: what it finds and how its keypoints are named."""

    model_config = ConfigDict(frozen=True, defer_build=True)
    name: str
    version: str = ""
    task: Task = Task.DETECT
    labels: tuple[str, ...] = ()
    keypoint_names: tuple[str, ...] = ()
    skeleton: tuple[tuple[int, int], ...] = ()


class PredictionSet(BaseModel):
    """A model's whole answer for one image content, as cached: the floor it was asked with and the result."""

    model_config = ConfigDict(frozen=True, defer_build=True)
    model: ModelInfo
    floor: float = 0.0
    predictions: tuple[Prediction, ...] = ()


def prediction_key(label: str, x1: float, y1: float, x2: float, y2: float) -> str:
    """The key a prediction's suggestion is kept under (its decisions, the provenance of what it became): the
    same prediction, asked again, gets the same key. The quality figures read answers with it too."""
    return f"{label}|{x1:.0f},{y1:.0f},{x2:.0f},{y2:.0f}"
