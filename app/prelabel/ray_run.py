"""Pre-labelling as a Ray Data job: `map_batches` over the image paths with a fixed pool of worker actors.

Each worker reads its images itself (the paths must be reachable from every node: a shared file system) and
asks for them with the app's own request code; the answers stream back, as they come, to the one writer on
the driver. A worker that dies is restarted and its batch asked again; a batch that keeps failing is given
up, and its images are reported failed rather than lost.
"""

from __future__ import annotations

import logging
import pickle
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from app.assist.requests import AssistAnswer
from app.prelabel.task import Asker, PrelabelTask, travelling

BATCH = 8  # images per worker call: what a dead worker's replacement asks again
TASK_RETRIES = 3  # a batch whose worker died is asked again this often, then its images are reported failed
HTTP_WORKER_CPUS = 0.25  # a worker that waits on a server needs little CPU; one running a model takes one


class PrelabelWorker:
    """One Ray actor: builds its asker once (loading the model, if it runs one), then answers batches."""

    def __init__(self, task: PrelabelTask) -> None:
        self.asker = Asker(task)
        self._busy_reported = 0

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        answers = [
            pickle.dumps(travelling(self.asker(int(image_id), Path(str(path)))))
            for image_id, path in zip(batch["image_id"], batch["path"], strict=True)
        ]
        column = np.array(answers, dtype=object)  # bytes: Arrow carries them as they are
        busy = np.zeros(len(answers), dtype=np.int64)
        if len(busy):  # busy answers waited out since the last batch, told once
            busy[0] = self.asker.busy_answers - self._busy_reported
            self._busy_reported = self.asker.busy_answers
        return {"image_id": batch["image_id"], "answer": column, "busy": busy}


def connect(address: str) -> None:
    """Join the Ray cluster: `auto` is the one this machine belongs to (RAY_ADDRESS, or one `ray start`
    started here), else a Ray of its own on this machine; anything else is a cluster's address."""
    import ray

    if ray.is_initialized():
        return
    ray.init(address=None if address == "auto" else address, logging_level=logging.WARNING)


def worker_count(task: PrelabelTask, workers: int) -> int:
    """Workers that running a model can have: at most one per CPU of the cluster."""
    if task.model is None:
        return workers
    import ray

    cpus = int(ray.cluster_resources().get("CPU", 1))
    return max(1, min(workers, cpus))


def answers_on_ray(
    task: PrelabelTask, images: list[tuple[int, Path]], workers: int, on_busy: Callable[[int], None]
) -> Iterator[list[AssistAnswer]]:
    """Answers as they stream back; then, as failed answers, the images whose batches were given up."""
    import ray.data

    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = False  # the command prints its own progress line
    context.max_errored_blocks = -1  # a batch given up must not stop the others: its images are reported
    logging.getLogger("ray.data").setLevel(logging.WARNING)
    rows = [{"image_id": image_id, "path": str(path)} for image_id, path in images]
    remote_args: dict[str, Any] = {"max_restarts": -1, "max_task_retries": TASK_RETRIES}
    dataset = ray.data.from_items(rows).map_batches(
        PrelabelWorker,
        batch_size=BATCH,
        compute=ray.data.ActorPoolStrategy(size=workers),
        fn_constructor_kwargs={"task": task.share(workers)},
        num_cpus=HTTP_WORKER_CPUS if task.model is None else 1,
        **remote_args,
    )
    answered: set[int] = set()
    for batch in dataset.iter_batches(batch_size=None, batch_format="numpy"):
        if int(batch["busy"].sum()):
            on_busy(int(batch["busy"].sum()))
        answers = [pickle.loads(data) for data in batch["answer"]]  # from this job's own workers
        answered.update(a.job.image_id for a in answers)
        yield answers
    missing = [(image_id, path) for image_id, path in images if image_id not in answered]
    if missing:
        yield [given_up(task, image_id, path) for image_id, path in missing]


def given_up(task: PrelabelTask, image_id: int, path: Path) -> AssistAnswer:
    why = f"no answer: the workers asking for it failed {TASK_RETRIES + 1} times (see the Ray logs)"
    return AssistAnswer(task.job(image_id, path), error=why)
