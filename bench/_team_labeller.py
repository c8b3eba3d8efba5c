"""One labeller of the team load benchmark (bench/bench_team.py), in a process of its own.

Usage: `python -m bench._team_labeller URL NAME SEED RESULT_FILE`. Opens the team project as NAME and prints
`READY`; then reads the wall-clock time (time.time()) to stop at from stdin, and until then takes the next
unclaimed image, commits suggestions on it, marks it done and gives it back. What it saw is written to
RESULT_FILE as JSON, every time on the wall clock so the processes' records can be laid side by side.
"""

from __future__ import annotations

import json
import random
import sys
import time
from pathlib import Path

from app.models import Annotation, ImageStatus, Provenance, Source
from app.models.geometry import Box
from app.store import ProjectStore
from app.store.assist_store import COMMITTED, AssistStore, CacheKey
from app.store.errors import StoreError
from app.store.team.claims import Claims
from app.store.team.database import TeamDatabase

SUGGESTIONS = (3, 10)  # boxes committed per image, at random in this range


def suggestions(rng: random.Random, image_id: int, tag_id: int, width: int, height: int) -> list[Annotation]:
    """What a model proposed for one image and the labeller accepted (S: commit them all)."""
    out = []
    for _ in range(rng.randint(*SUGGESTIONS)):
        x, y = rng.uniform(0, width - 80), rng.uniform(0, height - 80)
        provenance = Provenance(
            source=Source.MODEL, deployment="bench", model="m", version="1", score=round(rng.random(), 4)
        )
        box = Box(x1=x, y1=y, x2=x + rng.uniform(10, 80), y2=y + rng.uniform(10, 80))
        out.append(Annotation(image_id=image_id, tag_id=tag_id, geometry=box, provenance=provenance))
    return out


def label(url: str, name: str, seed: int) -> dict[str, object]:
    database = TeamDatabase.open(url, name)
    store, assist, claims = ProjectStore(database), AssistStore(database), Claims(database)
    try:
        tag_id = store.tags()[0].saved_id
        deployment_id = assist.deployments()[0].saved_id
        images = {i.saved_id: i for i in store.images()}
        rng = random.Random(seed)
        print("READY", flush=True)
        stop_at = float(sys.stdin.readline())

        commits: list[list[object]] = []  # [seconds, [annotation ids]] per acknowledged commit
        held: list[list[float]] = []  # [image id, from, to] per claim granted
        failed: list[str] = []
        races_lost = already_done = 0
        claim_s: list[float] = []  # next_unclaimed + claim, one round
        after = ""
        while time.time() < stop_at:
            try:
                asked = time.perf_counter()
                image_id = claims.next_unclaimed(after)
                if image_id is None:
                    break  # every image is done or held
                image = images[image_id]
                after = image.path
                claim = claims.claim(image_id)
                claim_s.append(time.perf_counter() - asked)
                if not claim.mine:
                    races_lost += 1
                    continue
                since = time.time()
                # Between next_unclaimed and claim another labeller may have finished the image and let it
                # go: it is read again under the claim, as the app shows it once held.
                current = store.image(image_id)
                if current is None or current.status == ImageStatus.DONE:
                    already_done += 1
                else:
                    boxes = suggestions(rng, image_id, tag_id, image.width, image.height)
                    key = CacheKey(
                        content_hash=f"bench-{image_id}", deployment_id=deployment_id, model_version="1"
                    )
                    keys = [f"box-{k}" for k in range(len(boxes))]
                    start = time.perf_counter()
                    added = store.add_annotations(boxes, also=assist.decide(key, keys, COMMITTED))
                    commits.append([time.perf_counter() - start, [a.saved_id for a in added]])
                    store.set_image_status(image_id, ImageStatus.DONE)
                held.append([image_id, since, time.time()])
                claims.release(image_id)
            except StoreError as e:  # counted and shown; the next image is taken
                failed.append(str(e))
        return {
            "name": name,
            "commits": commits,
            "claims": held,
            "claim_s": claim_s,
            "races_lost": races_lost,
            "already_done": already_done,
            "failed": failed,
        }
    finally:
        database.close()


def main() -> None:
    url, name, seed, result = sys.argv[1:5]
    Path(result).write_text(json.dumps(label(url, name, int(seed))))


if __name__ == "__main__":
    main()
