"""Starting the GUI on a machine that cannot show it: `make run` installs the system libraries Qt needs, and
`labelassist` says in one sentence what is missing instead of letting Qt abort."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from app import platform_check
from app.platform_check import install_hint, missing_libraries, platform_candidates, why_gui_cannot_start

REPO = Path(__file__).resolve().parent.parent
PLATFORMS = REPO / ".venv/lib/python3.11/site-packages/PySide6/Qt/plugins/platforms"
QT_ABORT = "could not load the qt platform plugin"  # Qt's qFatal text, just before it aborts
LINUX = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the check runs on Linux only")
needs_make = pytest.mark.skipif(shutil.which("make") is None, reason="needs GNU make")


def _executable(path: Path, text: str) -> None:
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


def _fake_dpkg(folder: Path, installed: list[str]) -> dict[str, str]:
    """A PATH where dpkg-query lists exactly `installed` ("name" or "name|provides") and apt-get exists."""
    folder.mkdir()
    rows = "".join(f"ii |{entry}{'' if '|' in entry else '|'}\n" for entry in installed)
    (folder / "installed").write_text(rows)
    _executable(folder / "dpkg-query", f"#!/bin/sh\ncat '{folder / 'installed'}'\n")
    _executable(folder / "apt-get", "#!/bin/sh\nexit 0\n")
    return {**os.environ, "PATH": f"{folder}{os.pathsep}{os.environ['PATH']}"}


def _make(*args: str, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        ["make", "--no-print-directory", *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _system_packages() -> list[str]:
    return _make("-s", "--eval=print-%: ; @echo $($*)", "print-SYSTEM_PACKAGES").split()


def _apt_installs(output: str) -> list[str]:
    return [line for line in output.splitlines() if "apt-get install" in line]


# ---- (a) the Makefile ----------------------------------------------------------------------------------------


@needs_make
@pytest.mark.parametrize("target", ["run", "bench", "package", "test"])
def test_every_target_that_starts_qt_installs_the_missing_system_libraries(
    tmp_path: Path, target: str
) -> None:
    packages = _system_packages()
    env = _fake_dpkg(tmp_path / "bin", [p for p in packages if p != "libxcb-icccm4"])
    # -n prints the recipes without running them; a scratch VENV keeps even the printed venv build away from ours
    out = _make("-n", target, f"VENV={tmp_path / 'venv'}", env=env)
    installs = _apt_installs(out)
    assert len(installs) == 1, out
    assert installs[0].split("apt-get install")[1].split() == ["-y", "-qq", "libxcb-icccm4"], installs[0]
    assert out.index("apt-get install") < out.index(str(tmp_path / "venv")), (
        "install before the venv is built"
    )


@needs_make
def test_nothing_is_installed_when_everything_is_there_even_under_a_new_name(tmp_path: Path) -> None:
    # Ubuntu 24.04 and Debian 13 ship libglib2.0-0 as libglib2.0-0t64, which provides the old name
    packages = [
        p if p != "libglib2.0-0" else "libglib2.0-0t64|libglib2.0-0 (= 2.80.0-6)" for p in _system_packages()
    ]
    env = _fake_dpkg(tmp_path / "bin", packages)
    assert _apt_installs(_make("-n", "run", f"VENV={tmp_path / 'venv'}", env=env)) == []


@needs_make
def test_the_package_list_covers_every_library_qt_links_against() -> None:
    packages = set(_system_packages())
    assert set(platform_check.DEBIAN_PACKAGES.values()) <= packages
    assert "libxcb-xinerama0" not in packages  # Qt 6 has no Xinerama code; nothing in PySide6 links it
    readelf = shutil.which("readelf")
    if readelf is None or not PLATFORMS.is_dir():
        pytest.skip("needs readelf and the venv's PySide6")
    qt = PLATFORMS.parent.parent
    # What a window on xcb or wayland loads: the widget stack, those two platform plugins and their helpers
    binaries = [
        *(
            qt / "lib" / f"libQt6{m}.so.6"
            for m in ("Core", "Gui", "Widgets", "DBus", "Svg", "OpenGL", "XcbQpa", "WaylandClient")
        ),
        *PLATFORMS.glob("libqxcb.so"),
        *PLATFORMS.glob("libqwayland*.so"),
        *(
            path
            for folder in (
                "xcbglintegrations",
                "wayland-shell-integration",
                "wayland-decoration-client",
                "wayland-graphics-integration-client",
                "imageformats",
                "platforminputcontexts",
                "iconengines",
            )
            for path in (qt / "plugins" / folder).glob("*.so")
        ),
    ]
    # Always there wherever apt is: libc6, libstdc++6, libgcc-s1, zlib1g, libzstd1
    base = {
        "libc.so.6",
        "libm.so.6",
        "libdl.so.2",
        "libpthread.so.0",
        "librt.so.1",
        "ld-linux-x86-64.so.2",
        "ld-linux-aarch64.so.1",
        "libstdc++.so.6",
        "libgcc_s.so.1",
        "libz.so.1",
        "libzstd.so.1",
    }
    wheel = {path.name for path in (qt / "lib").iterdir()}
    unmapped = set()
    for binary in binaries:
        out = subprocess.run([readelf, "-d", str(binary)], capture_output=True, text=True, check=True).stdout
        for name in (line.rsplit("[", 1)[1].rstrip("]") for line in out.splitlines() if "(NEEDED)" in line):
            qt_own = name in wheel or name.startswith("libQt6")  # Qt's, from this wheel or an add-on one
            if not qt_own and name not in base and name not in platform_check.DEBIAN_PACKAGES:
                unmapped.add(f"{name} (needed by {binary.name})")
    assert unmapped == set()


# ---- (b) the real program without a display ------------------------------------------------------------------


def _start_app(env_changes: dict[str, str | None], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LABELASSIST_HOME": str(tmp_path / "home")}
    for name, value in env_changes.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return subprocess.run(
        [sys.executable, "-m", "app"], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )


@LINUX
@pytest.mark.parametrize(
    "platform",
    [{"QT_QPA_PLATFORM": "xcb"}, {"QT_QPA_PLATFORM": None, "XDG_SESSION_TYPE": None}],
    ids=["xcb", "qt-default"],
)
def test_without_a_display_the_app_says_so_in_one_sentence_instead_of_aborting(
    tmp_path: Path, platform: dict[str, str | None]
) -> None:
    done = _start_app({**platform, "DISPLAY": None, "WAYLAND_DISPLAY": None}, tmp_path)
    output = done.stdout + done.stderr
    assert done.returncode == 1, output  # an exit status, not Qt's SIGABRT (-6)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("LabelAssist cannot open a window: "), output
    assert "DISPLAY is not set" in lines[0] and "xvfb-run" in lines[0], lines[0]
    assert QT_ABORT not in output.lower()


# ---- (c) the check itself --------------------------------------------------------------------------------------


@LINUX
def test_a_library_that_does_not_exist_is_reported_missing_and_one_that_does_is_not() -> None:
    assert missing_libraries("libla-no-such-library.so.7") == ["libla-no-such-library.so.7"]
    assert missing_libraries("libc.so.6") == []


@LINUX
def test_every_library_a_plugin_misses_is_named_not_only_the_first(tmp_path: Path) -> None:
    if not (PLATFORMS / "libqxcb.so").is_file() or shutil.which("ldd") is None:
        pytest.skip("needs the venv's PySide6 and ldd")
    # A copy of the xcb plugin away from PySide6 cannot find the Qt libraries it links against ($ORIGIN/../../lib);
    # dlopen names only the first of them
    shutil.copy(PLATFORMS / "libqxcb.so", tmp_path)
    missing = missing_libraries(tmp_path / "libqxcb.so")
    assert {"libQt6XcbQpa.so.6", "libQt6Gui.so.6", "libQt6Core.so.6"} <= set(missing), missing
    assert len(missing) == len(set(missing))
    assert "reinstall PySide6" in install_hint(missing)


@LINUX
def test_a_broken_copy_of_the_plugin_does_not_block_when_qt_has_a_working_one(tmp_path: Path) -> None:
    if not (PLATFORMS / "libqxcb.so").is_file() or missing_libraries(PLATFORMS / "libqxcb.so"):
        pytest.skip("needs the venv's PySide6 with its system libraries installed")
    shutil.copy(PLATFORMS / "libqxcb.so", tmp_path)  # Qt tries it first, fails, and loads PySide6's own
    env = {"QT_QPA_PLATFORM": "xcb", "DISPLAY": ":0", "QT_QPA_PLATFORM_PLUGIN_PATH": str(tmp_path)}
    assert why_gui_cannot_start(env) is None


def test_missing_libraries_are_named_with_the_packages_to_install(tmp_path: Path, monkeypatch) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    _executable(bin_dir / "apt-get", "#!/bin/sh\nexit 0\n")
    monkeypatch.setenv("PATH", str(bin_dir))
    hint = install_hint(["libxcb-keysyms.so.1", "libxcb-icccm.so.4", "libxcb-icccm.so.4"])
    assert "`sudo apt-get install libxcb-icccm4 libxcb-keysyms1`" in hint and "make run" in hint
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))  # no apt-get: no Debian package names either
    assert "apt-get" not in install_hint(["libxcb-icccm.so.4"])


def test_the_platforms_qt_tries_follow_qt_qpa_platform_and_the_session() -> None:
    assert platform_candidates({"QT_QPA_PLATFORM": "xcb"}) == ["xcb"]
    assert platform_candidates({"QT_QPA_PLATFORM": "Wayland;xcb:nograb"}) == ["wayland", "xcb"]
    assert platform_candidates({}) == ["xcb"]
    assert platform_candidates({"XDG_SESSION_TYPE": "wayland"}) == ["wayland", "xcb"]


@LINUX
def test_offscreen_and_unknown_platforms_are_not_checked() -> None:
    for platform in ("offscreen", "minimal", "eglfs", "vnc"):
        assert why_gui_cannot_start({"QT_QPA_PLATFORM": platform}) is None


@LINUX
def test_the_check_passes_when_one_platform_of_a_fallback_list_can_start() -> None:
    assert why_gui_cannot_start({"QT_QPA_PLATFORM": "xcb;offscreen"}) is None
    message = why_gui_cannot_start({"QT_QPA_PLATFORM": "wayland;xcb", "XDG_RUNTIME_DIR": "/nonexistent"})
    assert message is not None
    assert "WAYLAND_DISPLAY is not set" in message and "DISPLAY is not set" in message


def test_other_systems_are_never_blocked(monkeypatch) -> None:
    for system in ("win32", "darwin"):
        monkeypatch.setattr(sys, "platform", system)
        assert why_gui_cannot_start({"QT_QPA_PLATFORM": "xcb"}) is None
