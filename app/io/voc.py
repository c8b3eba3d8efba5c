"""Pascal VOC: one XML file per image (`Annotations/x.xml`) beside `JPEGImages/`, boxes only.

`<bndbox>` holds the devkit's 1-based, inclusive pixel indices: our continuous box [x1, x2) is written as
xmin = x1 + 1, xmax = x2 (what the devkit and `supervision` read back). Polygons and keypoints are not
written; the export says how many were left out.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from app.io.dataset import ExportResult, Issue, SourceAnnotation, SourceDataset, SourceImage
from app.io.images import Folders, place
from app.io.progress import Progress
from app.io.project_view import ProjectView
from app.io.shapes import box_from_corners
from app.io.source_files import files_in
from app.models import TagKind
from app.models.geometry import Box

# ---- export --------------------------------------------------------------------------------------


def write(view: ProjectView, out: Path, options: Any, progress: Progress) -> ExportResult:
    result = ExportResult(out)
    left = 0
    (out / "Annotations").mkdir(parents=True, exist_ok=True)
    folders = Folders()
    for item in view.items(progress, "Writing Pascal VOC"):
        place(item.path, out / "JPEGImages" / item.name, options.images, folders)
        root = ET.Element("annotation")
        _text(root, "folder", "JPEGImages")
        _text(root, "filename", item.name)
        _text(ET.SubElement(root, "source"), "database", "LabelAssist")
        size = ET.SubElement(root, "size")
        for key, value in (("width", item.width), ("height", item.height), ("depth", 3)):
            _text(size, key, str(value))
        _text(root, "segmented", "0")
        for a in item.annotations:
            tag = view.tags[a.tag_id]
            if tag.kind != TagKind.BOX or not isinstance(a.geometry, Box):
                left += 1
                continue
            _object(root, tag.name, a.geometry)
            result.annotations += 1
        ET.indent(root)
        xml = out / "Annotations" / (Path(item.name).stem + ".xml")
        ET.ElementTree(root).write(xml, encoding="utf-8", xml_declaration=False)
        result.files.append(xml.relative_to(out).as_posix())
        result.images += 1
    if left:
        result.left_out.append(f"{left} polygon or keypoint annotation(s): Pascal VOC holds boxes only")
    result.left_out += view.missing_note()
    return result


def _object(root: ET.Element, name: str, box: Box) -> None:
    obj = ET.SubElement(root, "object")
    _text(obj, "name", name)
    for key, value in (("pose", "Unspecified"), ("truncated", "0"), ("difficult", "0")):
        _text(obj, key, value)
    bnd = ET.SubElement(obj, "bndbox")
    xmin, ymin = round(box.x1) + 1, round(box.y1) + 1
    for key, value in (
        ("xmin", xmin),
        ("ymin", ymin),
        ("xmax", max(round(box.x2), xmin)),
        ("ymax", max(round(box.y2), ymin)),
    ):
        _text(bnd, key, str(value))


def _text(parent: ET.Element, tag: str, text: str) -> None:
    ET.SubElement(parent, tag).text = text


# ---- import --------------------------------------------------------------------------------------


def read(src: Path, progress: Progress) -> SourceDataset:
    """Read one VOC XML file, or every XML file in a folder (its `Annotations/` when it has one)."""
    folder = src / "Annotations" if (src / "Annotations").is_dir() else src
    files = files_in(folder, ".xml")
    data = SourceDataset()
    progress.start(len(files), "Reading Pascal VOC")
    for path in files:
        progress.advance()
        name = path.relative_to(folder).as_posix() if path.is_relative_to(folder) else path.name
        try:
            root = ET.parse(path).getroot()
        except (ET.ParseError, OSError) as e:
            data.issues.append(Issue(name, "", f"not readable as XML ({e})"))
            continue
        if root.tag != "annotation" or not (root.findtext("filename") or "").strip():
            data.issues.append(
                Issue(name, "", "not a Pascal VOC annotation (no <annotation> with a <filename>)")
            )
            continue
        data.images.append(_image(root, path, name, src, data))
    return data


def _image(root: ET.Element, path: Path, name: str, src: Path, data: SourceDataset) -> SourceImage:
    filename = root.findtext("filename", "").strip()
    image = SourceImage(path=_locate(root, path, filename, src), file=name, entry=f"image {filename}")
    image.width, image.height = _number(root, "size/width"), _number(root, "size/height")
    for i, obj in enumerate(root.iter("object"), 1):
        label = (obj.findtext("name") or "").strip()
        entry = f"object {i}" + (f" ({label})" if label else "")
        try:
            if not label:
                raise ValueError("no <name>")
            values = [_coordinate(obj, k) for k in ("xmin", "ymin", "xmax", "ymax")]
        except ValueError as e:
            data.issues.append(Issue(name, entry, str(e)))
            continue
        xmin, ymin, xmax, ymax = values
        if xmax < xmin or ymax < ymin:
            data.issues.append(Issue(name, entry, f"xmax/ymax lie before xmin/ymin ({values})"))
            continue
        box = box_from_corners(xmin - 1, ymin - 1, xmax, ymax)
        image.annotations.append(SourceAnnotation(label, TagKind.BOX, box, entry))
    return image


def _locate(root: ET.Element, xml: Path, filename: str, src: Path) -> Path:
    folder = (root.findtext("folder") or "").strip()
    given = Path((root.findtext("path") or "").strip())
    candidates = [
        xml.parent / filename,
        xml.parent.parent / "JPEGImages" / filename,
        src / "JPEGImages" / filename,
    ]
    if folder:
        candidates.append(xml.parent.parent / folder / filename)
    if given.is_absolute():
        candidates.append(given)
    return next((c for c in candidates if c.is_file()), candidates[1])


def _coordinate(obj: ET.Element, key: str) -> float:
    text = obj.findtext(f"bndbox/{key}")
    if text is None:
        raise ValueError(f"no <bndbox>/<{key}>")
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"<{key}> is not a number: {text!r}") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError(f"<{key}> is not a finite number")
    return value


def _number(root: ET.Element, path: str) -> int:
    try:
        return max(0, int(float(root.findtext(path) or 0)))
    except ValueError:
        return 0
