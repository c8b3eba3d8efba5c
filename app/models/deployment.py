"""Model deployments: where a model is served, how to reach it, and how its labels become project tags."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator

from app.models.prediction import Task
from app.models.record import Record

IGNORE = "ignore"
LabelTarget = int | Literal["ignore"]  # a tag id, or leave this label's predictions out

PEOPLE_MODELS = ("face", "person-segmentation", "pose", "hands")


class Protocol(StrEnum):
    OIP = "oip"  # Open Inference Protocol v2 with the annotation profile
    ROBOFLOW = "roboflow"  # Roboflow Inference (self-hosted server or the hosted API)
    DATATURE = "datature"  # Datature Nexus deployments
    LABEL_STUDIO = "label_studio"  # Label Studio ML backend


class AuthStyle(StrEnum):
    BEARER = "bearer"  # Authorization: Bearer <token>
    QUERY = "query"  # ?api_key=<token>
    HEADER = "header"  # <auth_header>: <token>


class LocalSpec(BaseModel):
    """A deployment LabelAssist starts itself: one people-pack model, or an ONNX file."""

    model_config = ConfigDict(frozen=True, defer_build=True)
    people_model: str | None = None
    onnx_path: str | None = None


class Deployment(Record):
    model_config = ConfigDict(frozen=True, defer_build=True)
    name: str = Field(min_length=1, max_length=200)
    protocol: Protocol = Protocol.OIP
    url: str = ""  # base URL; a local deployment gets its URL each time it starts
    model: str = Field(min_length=1, max_length=200)
    # What the model finds, for protocols whose servers do not say (Roboflow, Datature, Label Studio);
    # None: learnt from the server where it can tell, else detection.
    task: Task | None = None  # for servers that do not say (None: learn it from the server, else boxes)
    labels: tuple[str, ...] = ()  # for servers that must be told which labels to find (Label Studio)
    local: LocalSpec | None = None
    has_token: bool = False  # the token itself lives in the OS keyring, never here
    auth: AuthStyle = AuthStyle.BEARER
    auth_header: str = Field(default="", max_length=100)  # for AuthStyle.HEADER, e.g. "X-API-Key"
    rate_limit: float = Field(default=1.0, gt=0.0, le=100.0)  # background requests per second
    timeout_s: float = Field(default=30.0, gt=0.0, le=600.0)
    label_map: dict[str, LabelTarget] = Field(default_factory=dict)

    @field_validator("name", "model")
    @classmethod
    def _strip(cls, v: str) -> str:
        v = v.strip()
        if not v:
            raise ValueError("must not be empty")
        return v

    @field_validator("url")
    @classmethod
    def _http_url(cls, v: str) -> str:
        v = v.strip().rstrip("/")
        if not v:
            return v
        parts = urlsplit(v)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"the URL must start with http:// or https:// and name a host, got {v!r}")
        return v

    @property
    def is_local(self) -> bool:
        return self.local is not None


class State(StrEnum):
    STOPPED = "stopped"  # a local deployment that is not running
    STARTING = "starting"
    ONLINE = "online"
    OFFLINE = "offline"
    ERROR = "error"


class DeploymentStatus(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)
    state: State = State.OFFLINE
    message: str = ""
