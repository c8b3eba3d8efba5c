"""The progress line (images, images/s, failures, ETA) and the summary of a run."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from typing import TextIO

from app.assist.requests import AssistAnswer

SHOWN_FAILURES = 5  # the summary names this many failed images, then counts the rest
LINE_EVERY_S = 0.5  # on a terminal; a log gets a line every LOG_EVERY_S
LOG_EVERY_S = 10.0


def duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"


class Progress:
    def __init__(
        self, total: int, stream: TextIO | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.total = total
        self.done = self.failed = self.had_answer = self.busy_answers = 0
        self.failures: list[tuple[str, str]] = []  # image name, why
        self._stream = stream or sys.stderr
        self._live = self._stream.isatty()
        self._clock = clock
        self._start = self._shown = clock()
        self._last_line = ""

    def restart(self) -> None:
        """The work starts now (the clock of images/s and the ETA)."""
        self._start = self._shown = self._clock()

    def add(self, answers: Sequence[AssistAnswer]) -> None:
        for answer in answers:
            self.done += 1
            if answer.error:
                self.failed += 1
                self.failures.append((answer.job.path.name, answer.error))
            elif answer.result is None:
                self.had_answer += 1
        now = self._clock()
        if now - self._shown >= (LINE_EVERY_S if self._live else LOG_EVERY_S):
            self._shown = now
            self._print(self.line(), end="\r" if self._live else "\n")

    def lost(self, image_names: Sequence[str], why: str) -> None:
        """Images the run could not get an answer for at all."""
        self.done += len(image_names)
        self.failed += len(image_names)
        self.failures.extend((name, why) for name in image_names)

    def line(self) -> str:
        elapsed = self._clock() - self._start
        rate = self.done / elapsed if elapsed > 0 else 0.0
        eta = duration((self.total - self.done) / rate) if rate > 0 else "?"
        return f"{self.done}/{self.total} images, {rate:.1f} images/s, {self.failed} failed, " + (
            f"ETA {eta}" if self.done < self.total else f"took {duration(elapsed)}"
        )

    def finish(self) -> None:
        line = self.line()
        if line != self._last_line:
            self._print(line, end="\n")
        elif self._live:
            print(file=self._stream)  # leave the last line standing

    def summary(self, deployment: str) -> str:
        answered = self.done - self.failed - self.had_answer
        text = f"Pre-labelled {self.done - self.failed} of {self.total} image(s) with {deployment}"
        text += f" ({answered} asked now, {self.had_answer} had its answer already)"
        if self.busy_answers:
            text += f"; the server was busy {self.busy_answers} time(s) and was waited for"
        if not self.failed:
            return text + "; their suggestions wait on each image."
        lines = [text + f"; {self.failed} failed:"]
        lines += [f"  {name}: {why}" for name, why in self.failures[:SHOWN_FAILURES]]
        if self.failed > SHOWN_FAILURES:
            lines.append(f"  … and {self.failed - SHOWN_FAILURES} more")
        lines.append("Run the same command again to retry them: images already answered are skipped.")
        return "\n".join(lines)

    def _print(self, text: str, end: str) -> None:
        self._last_line = text
        print(text + (" " * 8 if self._live else ""), end=end, file=self._stream, flush=True)
