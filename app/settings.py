"""User preferences: one validated model in a JSON file under the config dir."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from app.paths import config_dir

log = logging.getLogger(__name__)
MAX_RECENT = 10


class SegmentPackRecord(BaseModel):
    """A side-loaded segmentation pack as it was when the labeller added it (shown in Intelligent Tools)."""

    model_config = ConfigDict(defer_build=True)
    folder: str
    name: str
    sha256: str
    licence: str = ""


class Preferences(BaseModel):
    model_config = ConfigDict(defer_build=True)
    # New fields have defaults, so files written before them load as they are (no version bump needed).
    schema_version: int = 1
    # Project files (absolute paths) and team projects (URLs without their password), newest first.
    recent_projects: list[str] = Field(default_factory=list)
    preview_side: int = Field(default=2048, ge=256, le=16384)
    labeller: str = ""  # the name written beside this user's edits; asked once, on the first team project
    # Team project URL (without password) -> the folder its relative image paths start from here.
    team_image_roots: dict[str, str] = Field(default_factory=dict)
    # Click-to-segment: the engine chosen in Intelligent Tools, and the pack added there (if any).
    segment_engine: str = "grabcut"
    segment_pack: SegmentPackRecord | None = None

    def remember_project(self, location: str | os.PathLike[str]) -> None:
        """Put a project first in the recent list: a file by its absolute path, a team project by the URL
        it was given as (the document's `project_location`, which never holds the password)."""
        p = (
            str(location)
            if isinstance(location, str) and "://" in location
            else str(Path(location).absolute())
        )
        self.recent_projects = [p] + [r for r in self.recent_projects if r != p][: MAX_RECENT - 1]


def preferences_file() -> Path:
    return config_dir() / "preferences.json"


def load_preferences() -> Preferences:
    path = preferences_file()
    try:
        return Preferences.model_validate_json(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Preferences()
    except (OSError, ValidationError, ValueError) as e:
        log.warning("Ignoring unreadable preferences in %s: %s", path, e)
        return Preferences()


def save_preferences(prefs: Preferences) -> None:
    """Write atomically so a crash never leaves half a file."""
    path = preferences_file()
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(prefs.model_dump(), indent=2), encoding="utf-8")
    os.replace(tmp, path)
