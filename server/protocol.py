"""Wire schema of the Open Inference Protocol v2 (KServe v2) REST API, as pydantic models."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


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


class ModelParameters(_Wire):
    """Our annotation profile: what a labelling client needs to know about a model."""

    task: str
    labels: list[str]
    keypoint_names: list[str] = Field(default_factory=list)
    skeleton: list[list[int]] = Field(default_factory=list)
    version: str


class ModelMetadata(_Wire):
    name: str
    versions: list[str]
    platform: str
    inputs: list[TensorMetadata]
    outputs: list[TensorMetadata]
    parameters: ModelParameters


class ServerMetadata(_Wire):
    name: str
    version: str
    extensions: list[str]


class RepositoryEntry(_Wire):
    name: str
    version: str
    state: str
    reason: str = ""
