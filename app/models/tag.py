"""Tags: what an annotation is (name, colour, kind; keypoint tags carry their point names and skeleton)."""

from __future__ import annotations

from enum import StrEnum

from pydantic import ConfigDict, Field, field_validator, model_validator

from app.models.record import Record


class TagKind(StrEnum):
    BOX = "box"
    POLYGON = "polygon"
    KEYPOINTS = "keypoints"


class Tag(Record):
    model_config = ConfigDict(frozen=True, defer_build=True)
    name: str = Field(min_length=1, max_length=200)
    color: str = "#e6194b"
    kind: TagKind = TagKind.BOX
    keypoint_names: tuple[str, ...] = ()
    skeleton: tuple[tuple[int, int], ...] = ()
    # The model label whose suggestions created this tag: that label's suggestions go to it from then on,
    # whatever the tag is renamed to (one label, one tag of a kind, for the life of the project).
    model_label: str | None = None

    @field_validator("name")
    @classmethod
    def _strip(cls, v: str) -> str:
        v = v.strip()
        if not v:
            raise ValueError("a tag needs a name")
        return v

    @field_validator("color")
    @classmethod
    def _hex(cls, v: str) -> str:
        s = v.strip().lower()
        if len(s) != 7 or s[0] != "#" or any(c not in "0123456789abcdef" for c in s[1:]):
            raise ValueError(f"colour must look like #rrggbb, got {v!r}")
        return s

    @model_validator(mode="after")
    def _keypoints_consistent(self) -> Tag:
        if self.kind == TagKind.KEYPOINTS:
            if not self.keypoint_names:
                raise ValueError("a keypoint tag needs at least one point name")
            n = len(self.keypoint_names)
            for a, b in self.skeleton:
                if not (0 <= a < n and 0 <= b < n) or a == b:
                    raise ValueError(f"skeleton edge ({a}, {b}) does not join two of the {n} points")
        elif self.keypoint_names or self.skeleton:
            raise ValueError("only keypoint tags have point names and a skeleton")
        return self
