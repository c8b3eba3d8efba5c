"""What a dataset file holds once read, before it meets a project; and what an export wrote. No Qt.

Readers turn a file into a `SourceDataset`: tags by name, images by absolute path, geometry in image pixels.
Whatever they cannot read is an `Issue` naming the file and the entry, so the user can find and fix it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from app.models import ImageStatus, Provenance, Tag, TagKind
from app.models.geometry import Box, Keypoints, Polygon

if TYPE_CHECKING:
    from app.io.shapes import FlatPolygon

FORMATS = ("coco", "yolo", "voc", "labelme")
YOLO_TASKS = ("detect", "segment", "pose")


@dataclass(frozen=True)
class Issue:
    """One entry of the input that was not (or cannot be) imported, and why."""

    file: str
    entry: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}, {self.entry}" if self.entry else self.file
        return f"{where}: {self.message}"


class DatasetError(Exception):
    """Input that cannot be imported as it is; lists every problem found (the first few in the message)."""

    SHOWN = 20

    def __init__(self, issues: list[Issue]) -> None:
        self.issues = issues
        lines = [str(i) for i in issues[: self.SHOWN]]
        if len(issues) > self.SHOWN:
            lines.append(f"… and {len(issues) - self.SHOWN} more")
        super().__init__("\n".join(lines))


class ExportCancelled(Exception):
    """The user cancelled an export or import; nothing was written."""


@dataclass(slots=True)
class SourceAnnotation:
    tag: str
    kind: TagKind
    geometry: Box | Polygon | Keypoints | FlatPolygon
    entry: str  # where in the file, for messages: "annotation id 7", "line 3", "object 2"
    provenance: Provenance = field(default_factory=Provenance)
    keypoint_names: tuple[str, ...] = ()  # of the instance's tag, when the file names them
    extent: tuple[float, float, float, float] | None = None  # (min x, min y, max x, max y), where known


@dataclass
class SourceImage:
    path: Path  # absolute path of the image file
    file: str  # the annotation file that describes it
    entry: str
    width: int = 0  # 0: not given, read from the image file
    height: int = 0
    status: ImageStatus | None = None
    found: bool | None = None  # whether the file is there, where the reader has looked already
    annotations: list[SourceAnnotation] = field(default_factory=list)


@dataclass
class SourceDataset:
    """A whole dataset as read: declared tags (categories), images, and what could not be read."""

    tags: list[Tag] = field(default_factory=list)
    images: list[SourceImage] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    colors: dict[str, str] = field(default_factory=dict)  # tag name → colour, where the file keeps one

    def annotation_count(self) -> int:
        return sum(len(i.annotations) for i in self.images)


@dataclass
class ExportResult:
    out: Path
    images: int = 0
    annotations: int = 0
    files: list[Path] = field(default_factory=list)  # the annotation files written (not images)
    left_out: list[str] = field(default_factory=list)  # what the format cannot hold, counted

    def summary(self) -> str:
        text = f"Exported {self.images} image(s) and {self.annotations} annotation(s) to {self.out}"
        return text + "".join(f"\n  left out: {x}" for x in self.left_out)


def anonymous_names(count: int) -> tuple[str, ...]:
    """Point names for a keypoint tag whose file does not name its points (YOLO pose)."""
    return tuple(f"p{i}" for i in range(count))


def is_anonymous(names: tuple[str, ...]) -> bool:
    return names == anonymous_names(len(names))
