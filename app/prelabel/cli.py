"""`labelassist prelabel`: pre-label every chosen image of a project, here or on a Ray cluster.

labelassist prelabel PROJECT (--deployment NAME | --model face|pose|hands|person-segmentation|best.onnx)
                     [--ray auto|ADDRESS] [--workers N] [--only todo|all] [--max-rps R] [--as NAME]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path

from app.assist.requests import AssistAnswer
from app.models import ImageStatus
from app.prelabel.choice import ChoiceError, deployment_for_model, local_spec, make_task, named_deployment
from app.prelabel.progress import Progress
from app.prelabel.task import PrelabelTask
from app.prelabel.writer import BatchedWriter
from app.session import ProjectError, ProjectSession


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="labelassist prelabel",
        description="Pre-label a project's images: the model's answers wait as suggestions on each image.",
    )
    p.add_argument("project", help="a project file, or a team project (postgresql://…?project=NAME)")
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--deployment", metavar="NAME", help="one of the project's deployments")
    what.add_argument(
        "--model",
        metavar="MODEL",
        help="run a model in the job itself: face, pose, hands, person-segmentation or a YOLO .onnx file "
        "(its answers are kept under the project's local deployment of that model)",
    )
    p.add_argument(
        "--ray",
        metavar="ADDRESS",
        help="run as a Ray Data job: 'auto' (the cluster this machine is in, else a local Ray) or an address",
    )
    p.add_argument("--workers", type=int, default=2, help="requests (or models) at once (default 2)")
    p.add_argument(
        "--only", choices=("todo", "all"), default="todo", help="images not marked done (default), or all"
    )
    p.add_argument("--max-rps", type=float, default=None, help="at most this many requests per second")
    p.add_argument("--as", dest="who", help="who is pre-labelling (a team project records it)")
    p.add_argument("--image-root", type=Path, help="where a team project's image paths start on this machine")
    return p


def main(argv: list[str]) -> int:
    args = parser().parse_args(argv[1:] if argv and argv[0] == "prelabel" else argv)
    if args.workers < 1 or (args.max_rps is not None and args.max_rps <= 0):
        print("labelassist prelabel: --workers and --max-rps must be positive", file=sys.stderr)
        return 2
    from app.team_cli import default_labeller, hide_password

    try:
        session = ProjectSession.open(args.project, args.who or default_labeller(), args.image_root)
    except (ProjectError, OSError) as e:
        print(f"labelassist prelabel: {hide_password(str(e), args.project)}", file=sys.stderr)
        return 1
    try:
        return _prelabel(session, args)
    except ChoiceError as e:
        print(f"labelassist prelabel: {e}", file=sys.stderr)
        return 2
    finally:
        session.close()


def _prelabel(session: ProjectSession, args: argparse.Namespace) -> int:
    records = session.assist_records
    if args.model:
        d = deployment_for_model(records, local_spec(args.model))
    else:
        d = named_deployment(records, args.deployment)
    task = make_task(records, d, args.max_rps)
    images = [
        (img.id, session.image_path(img))
        for img in session.store.images()
        if img.id is not None and (args.only == "all" or img.status != ImageStatus.DONE)
    ]
    where = f"on Ray ({args.ray})" if args.ray else "here"
    print(
        f"Pre-labelling {len(images)} image(s) with {d.name} {where}, {args.workers} at once.",
        file=sys.stderr,
    )
    progress = Progress(len(images))
    writer = BatchedWriter(session.database)
    answering = _answers(task, images, args, progress)  # joins the Ray cluster first, when asked to
    progress.restart()  # images/s and the ETA count from here, not from the cluster's start
    try:
        for answers in answering:
            writer.add(answers)
            progress.add(answers)
    except KeyboardInterrupt:
        writer.flush()
        progress.finish()
        print("Stopped; run the same command again to go on where it stopped.", file=sys.stderr)
        return 130
    writer.flush()
    progress.finish()
    print(progress.summary(d.name))
    return 1 if progress.failed else 0


def _answers(
    task: PrelabelTask, images: list[tuple[int, Path]], args: argparse.Namespace, progress: Progress
) -> Iterator[list[AssistAnswer]]:
    def busy(n: int) -> None:
        progress.busy_answers += n

    if not args.ray:
        from app.prelabel.local_run import answers_here

        return answers_here(task, images, args.workers, busy)
    from app.prelabel.ray_run import answers_on_ray, connect, worker_count

    try:
        connect(args.ray)
    except ImportError:
        raise ChoiceError("--ray needs Ray: pip install 'labelassist[cluster]'") from None
    return answers_on_ray(task, images, worker_count(task, args.workers), busy)
