"""Finding and parsing the input files of an import, with errors that name the file and the entry."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import msgspec
from pydantic import ValidationError

from app.io.dataset import DatasetError, Issue

MAX_JSON_BYTES = 2 * 1024**3  # a JSON file larger than this is not a dataset we can hold in memory


def read_error(file: str, entry: str, message: str) -> DatasetError:
    return DatasetError([Issue(file, entry, message)])


def pick_file(src: Path, pattern: str, preferred: Sequence[str] = ()) -> Path:
    """`src` itself if it is a file; in a folder, a preferred name, else the only file matching `pattern`."""
    if src.is_file():
        return src
    if not src.is_dir():
        raise read_error(str(src), "", "no such file or folder")
    for name in preferred:
        if (src / name).is_file():
            return src / name
    found = sorted(src.glob(pattern))
    if len(found) != 1:
        what = "none" if not found else ", ".join(p.name for p in found[:5])
        raise read_error(
            str(src), "", f"expected one {pattern} file in the folder, found {what}; name the file instead"
        )
    return found[0]


def files_in(src: Path, suffix: str) -> list[Path]:
    """`src` if it is one such file, else every such file under the folder `src`, sorted."""
    if src.is_file():
        return [src]
    if not src.is_dir():
        raise read_error(str(src), "", "no such file or folder")
    found = sorted(p for p in src.rglob(f"*{suffix}") if p.is_file() and not p.name.startswith("."))
    if not found:
        raise read_error(str(src), "", f"no {suffix} files in this folder")
    return found


def load_json(path: Path) -> Any:
    try:
        if path.stat().st_size > MAX_JSON_BYTES:
            raise read_error(path.name, "", "the file is too large to import")
        raw = path.read_bytes()
    except OSError as e:
        raise read_error(path.name, "", f"cannot read it ({e.strerror or e})") from e
    try:
        # Strict JSON in UTF-8 (nearly every dataset): parsed straight into Python objects, several times
        # faster than json and with no more memory (a parser that builds its own tree first holds both).
        return msgspec.json.decode(raw)
    except msgspec.DecodeError:
        pass  # NaN, UTF-16, a number out of range, or a real mistake: json reads it, or says where it is wrong
    try:
        # The bytes are let go before parsing: they, the text and the parsed document together would be
        # the import's peak of memory.
        text = raw.decode(json.detect_encoding(raw), "surrogatepass")
        del raw
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise read_error(path.name, f"line {e.lineno}, column {e.colno}", f"not valid JSON ({e.msg})") from e
    except UnicodeDecodeError as e:
        raise read_error(path.name, "", "not a text file (not UTF-8)") from e


def plain_error(e: Exception) -> str:
    """One line for a reader's exception; pydantic's first error without its URL."""
    if isinstance(e, ValidationError):
        err = e.errors()[0]
        loc = ".".join(str(x) for x in err["loc"])
        return f"{err['msg']} ({loc})" if loc else err["msg"]
    return str(e) or type(e).__name__
