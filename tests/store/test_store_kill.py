"""Durability: a process killed (SIGKILL) in the middle of a stream of edits loses no edit it reported done."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

import app
from app.models import Annotation, Box, ImageRecord, Tag, TagKind
from app.models.templates import keypoint_tag
from app.store import ProjectStore
from app.store.schema import APPLICATION_ID

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")

REPO_ROOT = Path(app.__file__).resolve().parents[1]

# For each edit the child appends its full content to a side file, announces it on stdout ("doing i") just
# before the store call and reports it after the call returns ("done i <ids the store gave>"). A "done"
# edit must survive the kill; the one "doing" edit without a "done" may or may not be there, never in part.
# Stdout lines stay short so the parent keeps up and the kill lands where the child really is: mostly
# inside a store call.
EDIT_STREAM = r"""
import json, random, sys
from app.models import Annotation, Box, Keypoint, Keypoints, Polygon, Provenance, Source, Tag, TagKind

from app.store import ProjectStore

store = ProjectStore.open(sys.argv[1])
rng = random.Random(int(sys.argv[2]))
side = open(sys.argv[3], "w")
images = [r.id for r in store.images()]
tags = store.tags()
live = {}  # annotation id -> its image (an update keeps the annotation on its image)
versions = {}  # annotation id -> its row version: an update is made from the version it read


def geometry(tag):
    x, y = rng.uniform(0, 900), rng.uniform(0, 700)
    if tag.kind == TagKind.BOX:
        return Box(x1=x, y1=y, x2=x + rng.uniform(-50, 50), y2=y + rng.uniform(-50, 50))
    if tag.kind == TagKind.POLYGON:
        return Polygon(points=[(x + rng.uniform(0, 80), y + rng.uniform(0, 80)) for _ in range(rng.randint(3, 12))])
    return Keypoints(points=[Keypoint(x=x + rng.uniform(0, 99), y=y + rng.uniform(0, 99), v=rng.choice((0, 1, 2)))
                             for _ in tag.keypoint_names])


def provenance():
    if rng.random() < 0.5:
        return Provenance()
    return Provenance(source=Source.MODEL, deployment="local", model=rng.choice(["yolo", "sam2"]),
                      version="1", score=round(rng.random(), 6))


def annotation(aid=None):
    tag = rng.choice(tags)
    return Annotation(id=aid, image_id=live[aid] if aid is not None else rng.choice(images), tag_id=tag.id, geometry=geometry(tag),
                      provenance=provenance(), version=versions.get(aid, 1))


def doing(i, kind, payload):
    side.write(json.dumps([i, kind, payload]) + "\n")
    side.flush()
    print("doing", i, flush=True)


for i in range(1_000_000):
    r = rng.random()
    if r < 0.4 or len(live) < 5:
        new = [annotation() for _ in range(rng.randint(1, 3))]
        doing(i, "add", [a.model_dump(mode="json") for a in new])
        ids = [a.id for a in store.add_annotations(new)]
        live.update((a, n.image_id) for a, n in zip(ids, new))
        versions.update((a, 1) for a in ids)
    elif r < 0.7:
        changed = [annotation(aid) for aid in rng.sample(sorted(live), rng.randint(1, 2))]
        doing(i, "update", [a.model_dump(mode="json") for a in changed])
        versions.update((a.id, a.version) for a in store.update_annotations(changed))
        ids = [a.id for a in changed]
    elif r < 0.9:
        ids = rng.sample(sorted(live), rng.randint(1, 2))
        doing(i, "delete", ids)
        store.delete_annotations(ids)
        for a in ids:
            del live[a]
    else:
        tag = Tag(name=f"tag {i}", color="#%06x" % rng.randrange(1 << 24), kind=rng.choice(["box", "polygon"]))
        doing(i, "tag", tag.model_dump(mode="json"))
        tag = store.add_tag(tag)
        tags.append(tag)
        ids = [tag.id]
    print("done", i, json.dumps(ids), flush=True)
"""


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    return env


def _new_project(path: Path) -> None:
    store = ProjectStore.create(path)
    store.add_images([ImageRecord(path=f"img{i}.jpg", width=1000, height=800) for i in range(5)])
    store.add_tag(Tag(name="car", color="#e6194b"))
    store.add_tag(Tag(name="road", color="#3cb44b", kind=TagKind.POLYGON))
    store.add_tag(keypoint_tag("hand", "hand (21 points)", "#4363d8"))
    store.close()


def _run_and_kill(path: Path, side: Path, seed: int, kill_after: int) -> list[str]:
    """Run the edit stream, SIGKILL it once `kill_after` edits are reported done; return all its output."""
    child = subprocess.Popen(
        [sys.executable, "-c", EDIT_STREAM, str(path), str(seed), str(side)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_child_env(),
    )
    lines: list[str] = []
    done = 0
    try:
        # Kill right after an edit is announced, so that the kill mostly lands inside a store call.
        while done < kill_after or not lines[-1].startswith("doing "):
            line = child.stdout.readline()
            if not line:
                pytest.fail(f"edit stream ended early:\n{child.stderr.read()}")
            lines.append(line)
            done += line.startswith("done ")
        os.kill(child.pid, signal.SIGKILL)
        lines += child.stdout.read().splitlines(keepends=True)  # whatever it printed before dying
    finally:
        if child.poll() is None:
            child.kill()
        child.wait()
        child.stdout.close()
        child.stderr.close()
    assert child.returncode == -signal.SIGKILL
    return [ln for ln in lines if ln.endswith("\n")]


def _replay(lines, side: Path, annotations: dict[int, Annotation], tags: dict[int, Tag]):
    """Apply every edit reported done to the expected state; return the edit in flight (or None) and counts."""
    contents = {}
    for entry in side.read_text().splitlines():
        i, kind, payload = json.loads(entry)
        contents[i] = (kind, payload)
    pending = None
    kinds: dict[str, int] = {}
    for line in lines:
        word, i, *rest = line.split(" ", 2)
        if word == "doing":
            pending = (int(i), *contents[int(i)])
            continue
        assert pending is not None and pending[0] == int(i), line
        _apply(pending[1], pending[2], json.loads(rest[0]), annotations, tags)
        kinds[pending[1]] = kinds.get(pending[1], 0) + 1
        pending = None
    return pending, kinds


def _apply(kind, payload, ids, annotations, tags) -> None:
    if kind == "add":
        for aid, a in zip(ids, payload, strict=True):
            annotations[aid] = Annotation.model_validate({**a, "id": aid})
    elif kind == "update":
        for a in payload:
            assert a["id"] in annotations
            annotations[a["id"]] = Annotation.model_validate({**a, "version": a["version"] + 1})
    elif kind == "delete":
        for aid in ids:
            del annotations[aid]
    else:
        tags[ids[0]] = Tag.model_validate({**payload, "id": ids[0]})


def _stored(store: ProjectStore) -> tuple[dict[int, Annotation], dict[int, Tag]]:
    annotations = {a.id: a for img in store.images() for a in store.annotations_for(img.id)}
    return annotations, {t.id: t for t in store.tags()}


@pytest.mark.parametrize(("seed", "kill_after"), [(1, 120), (2, 333), (3, 587)])
def test_killed_mid_stream_keeps_every_reported_edit(tmp_path, seed, kill_after):
    path = tmp_path / "killed.labelassist"
    _new_project(path)
    with_open = ProjectStore.open(path)
    expected_annotations, expected_tags = _stored(with_open)
    with_open.close()

    side = tmp_path / "edits.jsonl"
    lines = _run_and_kill(path, side, seed, kill_after)
    in_flight, kinds = _replay(lines, side, expected_annotations, expected_tags)
    assert sum(kinds.values()) >= kill_after
    assert set(kinds) == {"add", "update", "delete", "tag"}, kinds

    store = ProjectStore.open(path)
    try:
        assert store.integrity_ok()
        annotations, tags = _stored(store)
        if (annotations, tags) != (expected_annotations, expected_tags) and in_flight is not None:
            # The last edit committed but was killed before it could say so: it must be there whole.
            _, kind, payload = in_flight
            new_ids = sorted(set(annotations) - set(expected_annotations)) or sorted(
                set(tags) - set(expected_tags)
            )
            _apply(
                kind,
                payload,
                new_ids if kind in ("add", "tag") else payload,
                expected_annotations,
                expected_tags,
            )
        assert tags == expected_tags
        assert annotations.keys() == expected_annotations.keys()
        assert annotations == expected_annotations
        # The project is still usable after the crash.
        (fresh,) = store.add_annotations(
            [Annotation(image_id=store.images()[0].id, tag_id=1, geometry=Box(x1=0, y1=0, x2=1, y2=1))]
        )
        assert fresh.id not in expected_annotations
    finally:
        store.close()


CREATE_AND_HANG = r"""
import sys
from app.models import Annotation, Box, ImageRecord, Tag
from app.store import ProjectStore

store = ProjectStore.create(sys.argv[1])
(img,) = store.add_images([ImageRecord(path="a.jpg", width=10, height=10)])
tag = store.add_tag(Tag(name="cat"))
store.add_annotations([Annotation(image_id=img.id, tag_id=tag.id, geometry=Box(x1=1, y1=2, x2=3, y2=4))])
print("ready", flush=True)
sys.stdin.readline()
"""


def test_project_killed_before_its_wal_was_checkpointed_opens(tmp_path):
    path = tmp_path / "fresh.labelassist"
    child = subprocess.Popen(
        [sys.executable, "-c", CREATE_AND_HANG, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=_child_env(),
    )
    try:
        assert child.stdout.readline().strip() == "ready"
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        child.stdout.close()
        child.stdin.close()

    assert Path(f"{path}-wal").stat().st_size > 0
    # The file's own header does not carry our application id yet; only SQLite, reading the WAL, sees it.
    assert int.from_bytes(path.read_bytes()[68:72], "big") != APPLICATION_ID

    store = ProjectStore.open(path)
    try:
        assert store.integrity_ok()
        (img,) = store.images()
        assert [t.name for t in store.tags()] == ["cat"]
        assert [a.geometry for a in store.annotations_for(img.id)] == [Box(x1=1, y1=2, x2=3, y2=4)]
    finally:
        store.close()
