"""How good a model is for labelling, as the labellers' own decisions tell it: per deployment, model version
and label. Computed by app/store/quality.py; drawn by the Deployments page and `labelassist report`.

The words, as the README defines them: a *worked* image has the version's answer and a labeller did something
there (decided on a suggestion, drew or kept an annotation, or marked it done). A suggestion is *found* when
the labellers' final annotations confirm it: committed and still there under its tag (edited or not), or,
never decided on, covered by an annotation of its label's tag (bounds IoU at least 0.5). A *miss* is a final
annotation of a label's tag on a worked image that no suggestion of that answer found.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class ThresholdPoint(BaseModel):
    """What the confidence slider at `threshold` would have given: suggestions at or above it."""

    model_config = ConfigDict(frozen=True, defer_build=True)
    threshold: float
    suggested: int
    found: int
    precision: float | None  # found / suggested; None when nothing is suggested
    recall: float | None  # found / (every suggestion found at any threshold + misses); None without any
    f1: float | None


class LabelQuality(BaseModel):
    """One model label's figures (or, with label "", every label's together)."""

    model_config = ConfigDict(frozen=True, defer_build=True)
    label: str
    tag: str = ""  # the project tag its suggestions go to ("" when none is known)
    suggested: int = 0  # in the answers for worked images, at any score the model returned
    committed: int = 0  # = as_is + edited + deleted
    as_is: int = 0
    edited: int = 0  # committed, then reshaped or given another tag
    deleted: int = 0  # committed, then deleted
    dismissed: int = 0
    found: int = 0
    missed: int = 0
    edit_iou: float | None = None  # mean IoU, suggestion vs final shape, over edited boxes and polygons
    edit_keypoint_px: float | None = None  # mean distance of edited keypoints, in image pixels
    curve: tuple[ThresholdPoint, ...] = ()  # at every slider step, 0.00 to 1.00
    best: ThresholdPoint | None = None  # the strictest threshold with the highest F1

    @property
    def acceptance(self) -> float | None:
        """Committed out of decided (committed or dismissed); None before any decision."""
        decided = self.committed + self.dismissed
        return self.committed / decided if decided else None

    def at(self, threshold: float) -> ThresholdPoint | None:
        """The curve's point at a slider position (0.01 steps)."""
        step = round(threshold * 100)
        return self.curve[step] if 0 <= step < len(self.curve) else None


class AcceptancePoint(BaseModel):
    """Decisions in one period: a day, or a run of images in the order they were first decided on."""

    model_config = ConfigDict(frozen=True, defer_build=True)
    period: str  # "2025-03-14", or "images 101–200"
    committed: int
    dismissed: int

    @property
    def acceptance(self) -> float | None:
        decided = self.committed + self.dismissed
        return self.committed / decided if decided else None


class CallsPoint(BaseModel):
    """Model calls in one period (a minute, an hour or a day, whichever keeps the series readable)."""

    model_config = ConfigDict(frozen=True, defer_build=True)
    period: str  # the period's start, ISO text cut to its unit: "2025-03-14T10:05"
    calls: int
    failures: int
    p50_ms: float | None


class VersionQuality(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)
    deployment_id: int
    deployment: str
    model: str
    version: str
    first_seen: str  # when the project first kept an answer of this version (ISO, UTC)
    answered: int  # images with this version's answer
    worked: int  # of those, the ones a labeller worked on
    total: LabelQuality  # every label's figures together
    labels: tuple[LabelQuality, ...] = ()
    acceptance_by_day: tuple[AcceptancePoint, ...] = ()
    acceptance_by_images: tuple[AcceptancePoint, ...] = ()
    images_per_point: int = 1  # images in each point of acceptance_by_images
    seconds_per_image: float | None = None  # labelling time of its worked images (idle gaps left out)
    timed_images: int = 0

    @property
    def title(self) -> str:
        return f"{self.model} {self.version}".strip() if self.version else f"{self.model} (no version)"


class DeploymentQuality(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)
    deployment_id: int
    name: str
    versions: tuple[VersionQuality, ...] = ()  # oldest first
    calls: tuple[CallsPoint, ...] = ()
    calls_unit: str = "day"  # "minute", "hour" or "day"

    def version(self, version: str) -> VersionQuality | None:
        return next((v for v in self.versions if v.version == version), None)


class QualityReport(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)
    deployments: tuple[DeploymentQuality, ...] = ()
    idle_seconds: float  # a longer pause between two edits by one labeller counts as no one's time
    seconds_per_image_unassisted: float | None = None  # images no model had answered
    unassisted_images: int = 0

    def deployment(self, deployment_id: int) -> DeploymentQuality | None:
        return next((d for d in self.deployments if d.deployment_id == deployment_id), None)
