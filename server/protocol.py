"""Wire schema of the Open Inference Protocol v2 (KServe v2) REST API, as pydantic models.

The annotation profile (a model's metadata `parameters`) is the one part the app reads too; it lives in
`app.models.profile`, shared by both ends."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from app.models.profile import AnnotationProfile


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore")


class RequestInput(_Wire):
    name: str
    shape: list[int]
    datatype: str
    parameters: dict[str, Any] = Field(default_factory=dict)
    data: Any = None


class RequestOutput(_Wire):
    name: str
    parameters: dict[str, Any] = Field(default_factory=dict)


class InferRequest(_Wire):
    id: str | None = None
    parameters: dict[str, Any] = Field(default_factory=dict)
    inputs: list[RequestInput]
    outputs: list[RequestOutput] | None = None


class ResponseOutput(_Wire):
    name: str
    datatype: str
    shape: list[int]
    parameters: dict[str, Any] | None = None
    data: list[Any] | None = None


class InferResponse(_Wire):
    model_name: str
    model_version: str
    id: str | None = None
    parameters: dict[str, Any] | None = None
    outputs: list[ResponseOutput]


class TensorMetadata(_Wire):
    name: str
    datatype: str
    shape: list[int]


class ModelMetadata(_Wire):
    name: str
    versions: list[str]
    platform: str
    inputs: list[TensorMetadata]
    outputs: list[TensorMetadata]
    parameters: AnnotationProfile


class ServerMetadata(_Wire):
    name: str
    version: str
    extensions: list[str]


class RepositoryEntry(_Wire):
    name: str
    version: str
    state: str
    reason: str = ""
