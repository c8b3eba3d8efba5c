"""LabelAssist's annotation profile: what a model tells a labelling client about itself, carried as the
`parameters` of its Open Inference Protocol model metadata (`GET /v2/models/{name}`).

One schema for both ends: the reference server (`server/`) writes it and the OIP adapter reads it. Reading
stays lenient towards other servers: unknown fields are ignored (MLServer adds `content_type`), and only
`task` is required, since a model without one does not speak the profile at all.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from app.models.prediction import Task

PROFILE_EXTENSION = "annotation_profile"  # the name a server lists among its extensions in `GET /v2`


class AnnotationProfile(BaseModel):
    """The task, the label names, the keypoint names and skeleton, and the weights' version of a model."""

    model_config = ConfigDict(extra="ignore", frozen=True, defer_build=True)
    task: Task
    labels: tuple[str, ...] = ()
    keypoint_names: tuple[str, ...] = ()
    skeleton: tuple[tuple[int, int], ...] = ()  # index pairs into keypoint_names
    version: str = ""  # names the weights, so a client can key its prediction cache on it
