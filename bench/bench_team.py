"""Team project under load: many labellers at once on one PostgreSQL server, each in a process of its own
(bench/_team_labeller.py), taking the next unclaimed image, committing 3–10 model suggestions with their
decisions in one transaction, marking it done and giving it back.

Prints throughput and commit latency, then what must never happen: acknowledged edits missing from the
database, and one image held (claim logs) or annotated (database) by two labellers. The server is a
throwaway cluster (tests/support/pg_cluster.py), stopped at the end however the run ends.

`python -m bench.bench_team [--labellers 20] [--seconds 60] [--images 20000]`; under `make bench` the
LABELASSIST_BENCH_TEAM_{LABELLERS,SECONDS,IMAGES} variables shorten it.
"""

from __future__ import annotations

import argparse
import json
import os
import select
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from app.models import Deployment, ImageRecord, Tag, TagKind
from app.store import ProjectStore
from app.store.assist_store import AssistStore
from app.store.team.database import TeamDatabase
from bench.bench_annotator import failure_reason, line

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests" / "support"))  # the throwaway server the tests use

from pg_cluster import PgCluster  # noqa: E402

# Enough images that 20 labellers committing flat out are still at work when the time is up.
LABELLERS, SECONDS, IMAGES = 20, 60, 20_000
READY_TIMEOUT_S = 120  # 20 interpreters importing the app on a small machine
FINISH_GRACE_S = 60  # after the stop time: the last commit, then the result file
PROJECT = "bench"

Record = dict[str, Any]  # what one labeller process saw (bench/_team_labeller.py)


def settings(argv: Sequence[str]) -> argparse.Namespace:
    def default(name: str, value: int) -> float:
        return float(os.environ.get(f"LABELASSIST_BENCH_TEAM_{name}", value))

    parser = argparse.ArgumentParser(prog="python -m bench.bench_team", description=__doc__.split("\n\n")[0])
    parser.add_argument("--labellers", type=int, default=int(default("LABELLERS", LABELLERS)))
    parser.add_argument("--seconds", type=float, default=default("SECONDS", SECONDS))
    parser.add_argument("--images", type=int, default=int(default("IMAGES", IMAGES)))
    return parser.parse_args(list(argv))


def publish(url: str, images: int) -> None:
    """The team project: `images` images to do, one box tag, the deployment the suggestions came from."""
    database = TeamDatabase.create(url, "owner")
    try:
        store = ProjectStore(database)
        store.add_images(ImageRecord(path=f"img{i:06d}.jpg", width=1920, height=1080) for i in range(images))
        store.add_tag(Tag(name="thing", kind=TagKind.BOX))
        AssistStore(database).save_deployment(Deployment(name="bench", url="http://127.0.0.1:1", model="m"))
    finally:
        database.close()


def run_labellers(url: str, count: int, seconds: float, folder: Path) -> tuple[list[Record], float, float]:
    """Start `count` labeller processes, let them all go at once for `seconds`; their records, the start
    time and the stop time (wall clock)."""
    procs: list[tuple[subprocess.Popen[str], Path, Path]] = []
    try:
        for n in range(count):
            name = f"labeller{n:02d}"
            result, errors = folder / f"{name}.json", folder / f"{name}.err"
            with errors.open("w") as err:
                cmd = [sys.executable, "-m", "bench._team_labeller", url, name, str(n), str(result)]
                proc = subprocess.Popen(
                    cmd, cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err, text=True
                )
            procs.append((proc, result, errors))
        deadline = time.time() + READY_TIMEOUT_S
        for proc, _, errors in procs:
            assert proc.stdout is not None
            # A child that fails to open the project exits, which ends its line too.
            ready = select.select([proc.stdout], [], [], max(0.0, deadline - time.time()))[0]
            if not ready or proc.stdout.readline().strip() != "READY":
                raise RuntimeError(f"a labeller did not start: {failure_reason(errors.read_text())}")
        started = time.time()
        stop_at = started + seconds
        for proc, _, _ in procs:
            assert proc.stdin is not None
            proc.stdin.write(f"{stop_at!r}\n")
            proc.stdin.close()
        records: list[Record] = []
        for proc, result, errors in procs:
            try:
                proc.wait(timeout=max(1.0, stop_at + FINISH_GRACE_S - time.time()))
            except subprocess.TimeoutExpired:
                print(f"   {result.stem}: still running {FINISH_GRACE_S} s after the stop time", flush=True)
                continue
            if proc.returncode != 0 or not result.exists():
                reason = failure_reason(errors.read_text())
                print(f"   {result.stem}: failed (exit {proc.returncode}): {reason}", flush=True)
                continue
            records.append(json.loads(result.read_text()))
        return records, started, stop_at
    finally:
        for proc, _, _ in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


def overlapping_claims(records: list[Record]) -> int:
    """Pairs of claims on one image whose times overlap. Each interval runs from the moment the claim was
    granted to the moment its release was asked for, so it lies within the time the server held it."""
    by_image: dict[int, list[tuple[float, float, str]]] = defaultdict(list)
    for r in records:
        for image_id, since, until in r["claims"]:
            by_image[int(image_id)].append((since, until, r["name"]))
    overlaps = 0
    for spans in by_image.values():
        spans.sort()
        for i, (since, _, who) in enumerate(spans):
            overlaps += sum(1 for s, u, w in spans[:i] if u > since and w != who)
    return overlaps


def audit(url: str) -> dict[str, Any]:
    """What the database holds at the end, read as a labeller of its own."""
    database = TeamDatabase.open(url, "auditor")
    try:
        ids = {row[0] for row in database.execute("SELECT id FROM annotations")}
        shared = database.execute(
            "SELECT count(*) FROM (SELECT image_id FROM annotations GROUP BY image_id "
            "HAVING count(DISTINCT created_by) > 1) AS s"
        ).fetchone()[0]
        done = database.execute("SELECT count(*) FROM images WHERE status = 'done'").fetchone()[0]
        decisions = database.execute("SELECT count(*) FROM suggestion_decisions").fetchone()[0]
        claims = database.execute("SELECT count(*) FROM claims").fetchone()[0]
    finally:
        database.close()
    return {"ids": ids, "shared": shared, "done": done, "decisions": decisions, "claims": claims}


def report(records: list[Record], wanted: int, started: float, stop_at: float, db: dict[str, Any]) -> None:
    commits = [c for r in records for c in r["commits"]]
    acknowledged = {i for _, ids in commits for i in ids}
    latencies = sorted(seconds for seconds, _ in commits)
    claim_rounds = sorted(s for r in records for s in r["claim_s"])
    # The window the work happened in: from the start signal to the last claim given back (earlier than
    # the stop time when every image got done).
    ended = max((until for r in records for _, _, until in r["claims"]), default=stop_at)
    window = ended - started
    edits = len(acknowledged)

    def pct(values: list[float], q: float) -> str:
        return f"{values[min(len(values) - 1, int(q * len(values)))] * 1000:.1f} ms" if values else "-"

    line("labellers (processes)", f"{len(records)}", "", f"of {wanted} started")
    line("duration", f"{window:.1f} s", "", "every image done" if ended < stop_at else "")
    line("commits", f"{len(commits)}", "", f"{len(commits) / window:.1f} commits/s")
    line("edits (annotations)", f"{edits}", "", f"{edits / window:.1f} edits/s")
    line("commit latency p50", pct(latencies, 0.50), "", "3–10 boxes + their decisions, one transaction")
    line("commit latency p95", pct(latencies, 0.95))
    line("commit latency max", f"{latencies[-1] * 1000:.1f} ms" if latencies else "-")
    line("next unclaimed + claim p50 / p95", f"{pct(claim_rounds, 0.50)} / {pct(claim_rounds, 0.95)}")
    line(
        "claim races lost",
        f"{sum(r['races_lost'] for r in records)}",
        "",
        "another labeller claimed the image first: the next one is taken",
    )
    line(
        "claimed after it was done",
        f"{sum(r['already_done'] for r in records)}",
        "",
        "finished and released between next_unclaimed and claim: given back",
    )
    line("failed writes", f"{sum(len(r['failed']) for r in records)}", "0")
    for message in sorted({m for r in records for m in r["failed"]})[:3]:
        print(f"   {message}", flush=True)
    ids: set[int] = db["ids"]
    line("lost edits", f"{len(acknowledged - ids)}", "0", "acknowledged annotation ids missing")
    line("unacknowledged rows", f"{len(ids - acknowledged)}", "", "in the database, never acknowledged")
    line("decision rows", f"{db['decisions']}", "", f"one per annotation ({len(ids)}), same transactions")
    line("double claims (claim logs)", f"{overlapping_claims(records)}", "0", "overlapping holds")
    line("double claims (database)", f"{db['shared']}", "0", "images annotated by two labellers")
    line("images done", f"{db['done']}", "", f"claims left: {db['claims']}")


def main(argv: Sequence[str] = ()) -> None:
    """Start a throwaway server, publish the project, run the labellers, audit, and always stop the server."""
    args = settings(argv)
    cluster = PgCluster()
    if cluster.skip_reason:
        print(f"   skipped: {cluster.skip_reason}", flush=True)
        return
    begun = time.perf_counter()
    try:
        cluster.start()
        url = cluster.url(project=PROJECT)
        publish(url, args.images)
        with tempfile.TemporaryDirectory(prefix="labelassist-bench-team-") as tmp:
            records, started, stop_at = run_labellers(url, args.labellers, args.seconds, Path(tmp))
        report(records, args.labellers, started, stop_at, audit(url))
    finally:
        cluster.stop()
    print(f"(bench_team took {time.perf_counter() - begun:.0f} s)", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
