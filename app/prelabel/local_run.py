"""Pre-labelling on this machine: `workers` threads ask at once (one pacer for all of them), and the
answers come back to the calling thread, which writes them."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from pathlib import Path

from app.assist.requests import AssistAnswer
from app.prelabel.pacing import Pacer
from app.prelabel.task import Asker, PrelabelTask

AHEAD = 2  # images queued per thread beyond the ones being asked: memory stays flat for any project


def answers_here(
    task: PrelabelTask, images: Iterable[tuple[int, Path]], workers: int, on_busy: Callable[[int], None]
) -> Iterator[list[AssistAnswer]]:
    """Answers as they come, a few at a time; `on_busy(n)` hears of busy answers that were waited out."""
    pacer = Pacer(task.max_rps)
    local = threading.local()
    askers: list[Asker] = []
    lock = threading.Lock()

    def ask(image_id: int, path: Path) -> AssistAnswer:
        asker = getattr(local, "asker", None)
        if asker is None:
            asker = local.asker = Asker(task, pacer)
            with lock:
                askers.append(asker)
        return asker(image_id, path)

    busy_before = 0
    todo = iter(images)
    with ThreadPoolExecutor(max(1, workers), thread_name_prefix="prelabel") as pool:
        running: set[Future[AssistAnswer]] = set()
        try:
            while True:
                for image_id, path in todo:
                    running.add(pool.submit(ask, image_id, path))
                    if len(running) >= workers * (1 + AHEAD):
                        break
                if not running:
                    return
                finished, running = wait(running, return_when=FIRST_COMPLETED)
                with lock:
                    busy = sum(a.busy_answers for a in askers)
                if busy > busy_before:
                    on_busy(busy - busy_before)
                    busy_before = busy
                yield [f.result() for f in finished]  # run() never raises: failures are answers
        finally:
            for future in running:
                future.cancel()
