"""The X side of the start-up benchmark: a private virtual display (plus a window manager when there is one)
and a watcher that notes, event-driven, when a process's main window is mapped.

The main window is the first mapped, not override-redirect, normal top-level window of at least 300×200
whose _NET_WM_PID is in the process tree: the same rule as the peers' harness, so figures compare.
"""

from __future__ import annotations

import os
import select
import shutil
import subprocess
import time
from dataclasses import dataclass, field

from Xlib import X, Xatom
from Xlib import display as xdisplay
from Xlib import error as xerror

SCREEN = "1920x1080x24"
START_TIMEOUT_S = 15.0
MIN_MAIN = (300, 200)  # smaller top-levels are splash screens, tooltips and the like


def have_display_server() -> bool:
    return shutil.which("Xvfb") is not None


@dataclass
class VirtualDisplay:
    """Xvfb on a display number it picks itself, and a window manager if one is installed."""

    name: str = ""
    window_manager: str | None = None
    _procs: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def start(self) -> VirtualDisplay:
        read_fd, write_fd = os.pipe()
        try:
            # -displayfd: Xvfb takes the first free number and writes it once it accepts clients, so two
            # benchmarks on one machine never race for a number.
            xvfb = subprocess.Popen(
                ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", SCREEN, "-nolisten", "tcp", "-noreset"],
                pass_fds=(write_fd,),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            self._procs.append(xvfb)
            os.close(write_fd)
            write_fd = -1
            self.name = ":" + _read_line(read_fd, START_TIMEOUT_S)
        finally:
            os.close(read_fd)
            if write_fd >= 0:
                os.close(write_fd)
        if shutil.which("matchbox-window-manager"):
            # It gives every normal window the whole screen, as a user's maximised window: without a window
            # manager Qt windows open at whatever size they like, and painting costs are not comparable.
            self._procs.append(
                subprocess.Popen(
                    [
                        "matchbox-window-manager",
                        "-display",
                        self.name,
                        "-use_titlebar",
                        "no",
                        "-use_cursor",
                        "no",
                    ],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
            self.window_manager = "matchbox"
            self._wait_for_window_manager()
        return self

    def _wait_for_window_manager(self) -> None:
        d = xdisplay.Display(self.name)
        try:
            check = d.intern_atom("_NET_SUPPORTING_WM_CHECK")
            deadline = time.monotonic() + START_TIMEOUT_S
            while time.monotonic() < deadline:
                prop = d.screen().root.get_full_property(check, X.AnyPropertyType)
                if prop is not None and len(prop.value):
                    return
                time.sleep(0.05)
        finally:
            d.close()
        raise RuntimeError("the window manager did not come up")

    def stop(self) -> None:
        """Stop what start() started, by pid, window manager first."""
        for proc in reversed(self._procs):
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=5)
        self._procs.clear()


def _read_line(fd: int, timeout_s: float) -> str:
    data, deadline = b"", time.monotonic() + timeout_s
    while not data.endswith(b"\n"):
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            raise RuntimeError("the virtual display did not start")
        chunk = os.read(fd, 64)
        if not chunk:
            raise RuntimeError("the virtual display exited while starting")
        data += chunk
    return data.decode().strip()


@dataclass
class TopLevel:
    mapped_at: float | None = None  # time.monotonic() when its MapNotify was read
    override: bool = False
    pid: int | None = None
    kind: str = ""  # _NET_WM_WINDOW_TYPE without its prefix; "" when not set
    size: tuple[int, int] = (0, 0)


class XWatch:
    """Top-level windows of one display and when each was mapped.

    SubstructureNotify on the root reports each new top-level (CreateNotify comes before any window manager
    reparents it); on each we select StructureNotify, so its MapNotify reaches us inside a frame too.
    """

    def __init__(self, display_name: str) -> None:
        self.d = xdisplay.Display(display_name)
        self.d.set_error_handler(lambda *_a, **_k: None)  # a window may be gone before we query it
        self.root = self.d.screen().root
        self.root.change_attributes(event_mask=X.SubstructureNotifyMask)
        self.atom_pid = self.d.intern_atom("_NET_WM_PID")
        self.atom_type = self.d.intern_atom("_NET_WM_WINDOW_TYPE")
        self._type_names: dict[int, str] = {}
        self.d.sync()
        self.windows: dict[int, TopLevel] = {}

    def fileno(self) -> int:
        return self.d.fileno()

    def reset(self) -> None:
        self.pump()
        self.windows = {}

    def pump(self) -> None:
        """Read every pending event, stamping maps with the time they were read."""
        while self.d.pending_events():
            ev = self.d.next_event()
            now = time.monotonic()
            if ev.type == X.CreateNotify and ev.parent.id == self.root.id:
                top = self.windows.setdefault(ev.window.id, TopLevel(override=bool(ev.override)))
                try:
                    ev.window.change_attributes(event_mask=X.StructureNotifyMask)
                    # Mapped before our selection took effect: the map is as late as now at worst.
                    if ev.window.get_attributes().map_state != X.IsUnmapped:
                        self._mapped(ev.window, top, now)
                except xerror.XError:
                    pass
            elif ev.type == X.MapNotify:
                top = self.windows.get(ev.window.id)
                if top is not None:
                    top.override = bool(ev.override)
                    self._mapped(ev.window, top, now)
            elif ev.type == X.ConfigureNotify:
                top = self.windows.get(ev.window.id)
                if top is not None and top.mapped_at is not None:
                    top.size = (ev.width, ev.height)

    def _mapped(self, window: object, top: TopLevel, now: float) -> None:
        if top.mapped_at is not None:
            return
        top.mapped_at = now
        try:
            prop = window.get_full_property(self.atom_pid, Xatom.CARDINAL)  # type: ignore[attr-defined]
            if prop is not None and len(prop.value):
                top.pid = int(prop.value[0])
            prop = window.get_full_property(self.atom_type, Xatom.ATOM)  # type: ignore[attr-defined]
            if prop is not None and len(prop.value):
                atom = int(prop.value[0])
                if atom not in self._type_names:
                    self._type_names[atom] = self.d.get_atom_name(atom)
                top.kind = self._type_names[atom].removeprefix("_NET_WM_WINDOW_TYPE_")
            geometry = window.get_geometry()  # type: ignore[attr-defined]
            top.size = (geometry.width, geometry.height)
        except xerror.XError:
            pass

    def main_window_mapped(self, pids: set[int]) -> float | None:
        """When the first main window of a process in `pids` was mapped; None while there is none."""
        times = [
            top.mapped_at
            for top in self.windows.values()
            if top.mapped_at is not None
            and not top.override
            and top.pid in pids
            and top.kind in ("", "NORMAL")
            and top.size[0] >= MIN_MAIN[0]
            and top.size[1] >= MIN_MAIN[1]
        ]
        return min(times) if times else None

    def close(self) -> None:
        self.d.close()
