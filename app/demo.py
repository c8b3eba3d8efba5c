"""The demo project: the shipped sample photos, copied to the user data dir on first run."""

from __future__ import annotations

import shutil
from pathlib import Path

from app.models import Tag, TagKind
from app.models.palette import DISTINCT_COLORS
from app.models.templates import keypoint_tag
from app.paths import data_dir, resources_dir
from app.project_files import add_image_files, scan_images
from app.store import PROJECT_SUFFIX, ProjectStore

DEMO_NAME = "demo"


def demo_tags() -> list[Tag]:
    c = DISTINCT_COLORS
    return [
        Tag(name="person", color=c[0], kind=TagKind.BOX),
        Tag(name="face", color=c[1], kind=TagKind.BOX),
        Tag(name="animal", color=c[3], kind=TagKind.BOX),
        Tag(name="person outline", color=c[4], kind=TagKind.POLYGON),
        keypoint_tag("body", "body (33 points)", c[5]),
        keypoint_tag("hand", "hand (21 points)", c[6]),
    ]


def demo_project_path() -> Path:
    return data_dir() / DEMO_NAME / f"{DEMO_NAME}{PROJECT_SUFFIX}"


def ensure_demo_project() -> Path:
    """Create the demo project if it is not there yet; returns its path."""
    project = demo_project_path()
    if project.exists():
        return project
    folder = project.parent
    images = folder / "images"
    images.mkdir(parents=True, exist_ok=True)
    samples = resources_dir() / "samples"
    for src in samples.iterdir():
        if src.is_file():
            shutil.copy2(src, images / src.name)
    store = ProjectStore.create(project)
    try:
        for tag in demo_tags():
            store.add_tag(tag)
        add_image_files(store, scan_images(images))
    finally:
        store.close()
    return project
