"""Walks a folder of bad images through the real app, offscreen: the loader, the window, model assist against a
reference server, every exporter; then checks the rest of the project still works.

    python bad_image_child.py FOLDER SERVER_URL FIRST_ROW

One JSON line per result: {"row", "file", "stage", "ok", "message"}; {"begin": row, "file"} before each
image, so that a parent that sees this process die or stall knows which image did it. Run as root, it first
gives up root's right to read files whatever their permissions (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH),
so a file without read permission is as unreadable to it as to any user.
"""

from __future__ import annotations

import ctypes
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bad_images import DELETED  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from app import gui_gc  # noqa: E402
from app.imaging import ImageLoadError, load, probe  # noqa: E402
from app.io.export import ExportOptions, export_project  # noqa: E402
from app.models import Box, Deployment, TagKind  # noqa: E402
from app.widgets.main_window import MainWindow  # noqa: E402

CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH = 1, 2


def drop_file_permission_override() -> str:
    """Clear CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH from this (still single) thread; '' or why not."""
    if os.geteuid() != 0:
        return ""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        header = (ctypes.c_uint32 * 2)(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3, this process
        data = (ctypes.c_uint32 * 6)()  # two {effective, permitted, inheritable}
        if libc.capget(header, data) != 0:
            return f"capget failed (errno {ctypes.get_errno()})"
        mask = ~((1 << CAP_DAC_OVERRIDE) | (1 << CAP_DAC_READ_SEARCH)) & 0xFFFFFFFF
        data[0] &= mask  # effective
        data[1] &= mask  # permitted: not to be taken back
        if libc.capset(header, data) != 0:
            return f"capset failed (errno {ctypes.get_errno()})"
    except (OSError, AttributeError) as e:
        return f"no capabilities here ({e})"
    return ""


def say(**fields: object) -> None:
    print(json.dumps(fields, ensure_ascii=False), flush=True)


def wait(condition, timeout_s: float = 60.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            return False
        QApplication.processEvents()
        time.sleep(0.002)
    return True


def main() -> None:
    folder, url, first = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    say(caps=drop_file_permission_override())
    qt = QApplication(sys.argv[:1])
    gui_gc.install()
    window = MainWindow()
    window.resize(1000, 700)
    window.show()
    statuses: list[str] = []
    window.assist.status.connect(statuses.append)
    assert window.open_project(folder)
    window.doc.add_image_files([folder / "a folder.jpg"])  # a folder named like an image, added by hand
    known = [
        d for d in window.deployments.all() if d.name == "scatter"
    ]  # a second run goes on where one died
    d = known[0] if known else window.deployments.save(Deployment(name="scatter", url=url, model="scatter"))
    assert wait(lambda: any(o.id == d.id for o in window.deployments.online()))
    window.assist.select_deployment(d.id)
    tag = window.doc.tag_for_kind(TagKind.BOX)  # "object", made for a project without a box tag
    (folder / DELETED).unlink(missing_ok=True)  # while the project is open

    images = window.doc.images
    for row in range(first, len(images)):
        name = Path(images[row].path).name
        path = window.doc.image_path(images[row])
        say(begin=row, file=name)
        try:
            probe(path)
            load(path)
            say(row=row, file=name, stage="loader", ok=True, message="")
        except ImageLoadError as e:
            say(row=row, file=name, stage="loader", ok=False, message=str(e))
        window.doc.go_to_row(row)
        shown = wait(lambda: window.canvas.image_ready or bool(window.canvas.message))
        say(
            row=row,
            file=name,
            stage="window",
            ok=shown and window.canvas.image_ready,
            message=window.canvas.message,
        )
        statuses.clear()
        window.assist.assist()
        settled = wait(lambda: not window.assist.busy)
        say(row=row, file=name, stage="assist", ok=settled, message=" | ".join(statuses))
        window.doc.add_annotation(Box(x1=2, y1=2, x2=12, y2=12), tag.id if tag else None)

    project = window.doc.project_path
    assert project is not None
    for fmt in ("coco", "yolo", "voc", "labelme"):
        try:
            result = export_project(project, folder.parent / f"export-{fmt}", ExportOptions(fmt))
            say(stage="export", file=fmt, ok=True, message=result.summary())
        except Exception as e:  # reported, and judged by the parent
            say(stage="export", file=fmt, ok=False, message=f"{type(e).__name__}: {e}")

    good = next(i for i, img in enumerate(images) if Path(img.path).name == "good photo.jpg")
    window.doc.go_to_row(good)
    wait(lambda: window.canvas.image_ready)
    before = len(window.doc.annotations)
    window.doc.add_annotation(Box(x1=20, y1=20, x2=60, y2=50), tag.id if tag else None)
    window.assist.assist()
    wait(lambda: not window.assist.busy)
    committed = window.assist.commit_all()
    works = len(window.doc.annotations) == before + 1 + committed and committed > 0
    say(stage="rest of the project", file="good photo.jpg", ok=works, message=f"{committed} committed")
    window.close()
    del qt


if __name__ == "__main__":
    main()
