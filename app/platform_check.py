"""Can Qt open a window here? Asked before QApplication exists, because Qt answers "no" with qFatal: an abort
whose only clue is "Could not load the Qt platform plugin", often naming the wrong library.

It looks at the platforms Qt will try (QT_QPA_PLATFORM, else xcb, with wayland first in a Wayland session) and
says why none of them can start: no display to connect to, or system libraries the platform plugin needs are
missing. It loads the plugin the way Qt would (dlopen), so its verdict on libraries is the loader's own. The
check takes ~12 ms, mostly loading Qt libraries that QApplication would load a moment later anyway: a start
that works reaches its QApplication ~4 ms later than without it (median of 40 runs under Xvfb).
Platforms it knows nothing about (offscreen, minimal, eglfs, vnc, ...) and non-Linux systems pass unchecked.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping
from pathlib import Path

# Debian/Ubuntu package of each system library PySide6's Qt links against (see SYSTEM_PACKAGES in the Makefile,
# which installs all of them); used to turn a missing library into an `apt-get install` line.
DEBIAN_PACKAGES = {
    "libEGL.so.1": "libegl1",
    "libGL.so.1": "libgl1",
    "libglib-2.0.so.0": "libglib2.0-0",
    "libgthread-2.0.so.0": "libglib2.0-0",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libdbus-1.so.3": "libdbus-1-3",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libX11.so.6": "libx11-6",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libxcb.so.1": "libxcb1",
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-glx.so.0": "libxcb-glx0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libwayland-client.so.0": "libwayland-client0",
    "libwayland-cursor.so.0": "libwayland-cursor0",
    "libwayland-egl.so.1": "libwayland-egl1",
}

# glibc's wording when a library (or one it needs) is not found: "libfoo.so.1: cannot open shared object file".
_NOT_FOUND = re.compile(r"([^\s:]+): cannot open shared object file")


class _Verdict:
    """What stops one platform: sentences for the user, and the sonames nobody could find."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.missing: list[str] = []
        self.no_display = False


def why_gui_cannot_start(environ: Mapping[str, str] | None = None) -> str | None:
    """One sentence on why no Qt platform can open a window here, or None when one can (or we cannot tell)."""
    if not sys.platform.startswith("linux"):  # Windows and macOS wheels carry everything their platform needs
        return None
    env = os.environ if environ is None else environ
    verdicts = []
    for name in platform_candidates(env):
        verdict = _check_platform(name, env)
        if verdict is None:  # this one will start (or is not ours to judge): Qt falls through to it
            return None
        verdicts.append(verdict)
    return _sentence(verdicts) if verdicts else None


def platform_candidates(environ: Mapping[str, str]) -> list[str]:
    """The platform plugins Qt tries, in order; the first that loads wins, and Qt aborts only if none does."""
    requested = environ.get("QT_QPA_PLATFORM", "").strip()
    if requested:  # "wayland;xcb" is a fallback list; "xcb:opt=1" passes options to the plugin
        names = [part.split(":", 1)[0].strip().lower() for part in requested.split(";")]
        return [name for name in names if name]
    # Qt's own default on Linux: xcb, with wayland ahead of it in a Wayland session. Listing wayland when the
    # session merely has a Wayland display too is lenient on purpose: we only speak when every candidate fails.
    wayland_session = environ.get("XDG_SESSION_TYPE") == "wayland" or bool(environ.get("WAYLAND_DISPLAY"))
    return ["wayland", "xcb"] if wayland_session else ["xcb"]


def missing_libraries(library: str | Path) -> list[str]:
    """The shared libraries `library` (a path or a soname) needs that the loader cannot find; [] if it loads
    or fails for another reason (see `load_error`)."""
    error = load_error(library)
    return _not_found(library, error) if error else []


def load_error(library: str | Path) -> str | None:
    """The loader's complaint when it cannot load `library` the way Qt does (dlopen), or None when it can."""
    import ctypes  # here, not at import time: only Linux starts need it

    try:
        ctypes.CDLL(str(library))  # kept loaded: QApplication loads the same file a moment later
        return None
    except OSError as exc:
        return str(exc)


def install_hint(missing: list[str]) -> str:
    """How to install the packages that provide these libraries, in the words of this system."""
    import shutil

    if any(name.startswith("libQt6") for name in missing):  # Qt's own libraries come with the PySide6 wheel
        return "reinstall PySide6 (`pip install --force-reinstall PySide6-Essentials`)"
    packages = sorted({DEBIAN_PACKAGES[name] for name in missing if name in DEBIAN_PACKAGES})
    if packages and shutil.which("apt-get"):
        return f"install them with `sudo apt-get install {' '.join(packages)}` (in a source checkout, `make run` does)"
    return "install the packages that provide them with your system's package manager"


def _check_platform(name: str, env: Mapping[str, str]) -> _Verdict | None:
    if name == "xcb":
        verdict = _Verdict()
        if not env.get("DISPLAY"):
            verdict.problems.append("no X display (DISPLAY is not set)")
            verdict.no_display = True
        _check_plugin(verdict, "xcb", "libqxcb.so", env)
    elif name.startswith("wayland"):
        verdict = _Verdict()
        runtime_dir = env.get("XDG_RUNTIME_DIR", "")
        # libwayland-client connects to $WAYLAND_DISPLAY, else to wayland-0 in the runtime dir
        default_socket = bool(runtime_dir) and os.path.exists(os.path.join(runtime_dir, "wayland-0"))
        if not (env.get("WAYLAND_DISPLAY") or env.get("WAYLAND_SOCKET") or default_socket):
            verdict.problems.append("no Wayland display (WAYLAND_DISPLAY is not set)")
            verdict.no_display = True
        _check_plugin(verdict, "wayland", "libqwayland.so", env)
    else:
        return None
    return verdict if verdict.problems else None


def _check_plugin(verdict: _Verdict, label: str, file_name: str, env: Mapping[str, str]) -> None:
    # The installable package carries these libraries itself, and its loader setup is the bootloader's: a dlopen
    # from here is not sure to see what Qt will, and a wrong "missing" would block a window that works.
    if getattr(sys, "frozen", False):
        return
    errors: dict[Path, str] = {}
    for plugin in _platform_plugins(file_name, env):
        error = load_error(plugin)
        if error is None:  # this copy loads, so Qt's will
            return
        errors[plugin] = error
    if not errors:  # not where we look (an unusual install): let Qt search for itself
        return
    missing = list(
        dict.fromkeys(name for plugin, error in errors.items() for name in _not_found(plugin, error))
    )
    verdict.missing.extend(missing)
    if missing:
        verdict.problems.append(
            f"the Qt {label} platform plugin cannot load: missing system libraries {', '.join(missing)}"
        )
    else:
        verdict.problems.append(f"the Qt {label} platform plugin cannot load ({next(iter(errors.values()))})")


def _platform_plugins(file_name: str, env: Mapping[str, str]) -> list[Path]:
    """Every copy of this platform plugin Qt may load, in its order: QT_QPA_PLATFORM_PLUGIN_PATH, the platforms
    folders under QT_PLUGIN_PATH, then PySide6's own. Qt moves on to the next copy when one fails to load."""
    import importlib.util

    folders = [Path(env["QT_QPA_PLATFORM_PLUGIN_PATH"])] if env.get("QT_QPA_PLATFORM_PLUGIN_PATH") else []
    folders += [Path(path) / "platforms" for path in env.get("QT_PLUGIN_PATH", "").split(os.pathsep) if path]
    spec = importlib.util.find_spec("PySide6")  # locates the package without importing it (and Qt with it)
    for location in (spec.submodule_search_locations or []) if spec else []:
        folders.append(Path(location) / "Qt" / "plugins" / "platforms")
    return [folder / file_name for folder in folders if (folder / file_name).is_file()]


def _not_found(library: str | Path, error: str) -> list[str]:
    first = _NOT_FOUND.search(error)
    if first is None:  # it failed for another reason (a wrong architecture, a missing symbol)
        return []
    # dlopen names only the first library it missed; ldd lists them all (the slow path, taken only on failure)
    return (_ldd_not_found(library) if Path(library).is_file() else []) or [first.group(1)]


def _ldd_not_found(library: str | Path) -> list[str]:
    import shutil  # this and subprocess only on the failure path: a start that works never needs them
    import subprocess

    if not shutil.which("ldd"):
        return []
    try:
        out = subprocess.run(["ldd", str(library)], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    names = [line.split()[0] for line in out.splitlines() if "=> not found" in line]
    return list(dict.fromkeys(names))  # ldd repeats a name once per library that needs it


def _sentence(verdicts: list[_Verdict]) -> str:
    problems = list(dict.fromkeys(p for v in verdicts for p in v.problems))
    missing = list(dict.fromkeys(name for v in verdicts for name in v.missing))
    remedies = []
    if missing:
        remedies.append(install_hint(missing))
    if any(v.no_display for v in verdicts):
        remedies.append("run it on a desktop, or without one under Xvfb (`xvfb-run -a labelassist`)")
    advice = f" — {', and '.join(remedies)}" if remedies else ""
    return f"LabelAssist cannot open a window: {'; '.join(problems)}{advice}."
