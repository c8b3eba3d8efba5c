"""Detect a truncated JPEG, which libjpeg decodes without error by padding the missing part with grey."""

from __future__ import annotations

import os
import re

_EOI = b"\xff\xd9"
# Inside entropy-coded data 0xFF is always followed by 0x00 (stuffing) or an RSTn marker (0xD0-0xD7);
# anything else is a real marker, and 0xFF repeats are fill bytes before one.
_NEXT_MARKER = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")
_STANDALONE = {0x01, *range(0xD0, 0xD8)}


def jpeg_is_complete(path: str | os.PathLike[str]) -> bool:
    """Whether the JPEG at ``path`` reaches its end-of-image marker."""
    with open(path, "rb") as f:
        f.seek(0, os.SEEK_END)
        size = f.tell()
        f.seek(max(0, size - 64))
        tail = f.read()
        # Nearly every JPEG ends exactly with EOI (some writers pad with zeros): no need to read it all.
        if tail.rstrip(b"\x00").endswith(_EOI):
            return True
        f.seek(0)
        data = f.read()
    return _reaches_eoi(data)


def _reaches_eoi(data: bytes) -> bool:
    # Walk the segments rather than searching for FFD9 anywhere: an EXIF thumbnail has its own EOI, and
    # bytes appended after the real EOI (motion photos, vendor trailers) are legal and must be ignored.
    n = len(data)
    pos = 2
    while True:
        while pos + 1 < n and data[pos] == 0xFF and data[pos + 1] == 0xFF:
            pos += 1
        if pos + 1 >= n:
            return False
        if data[pos] != 0xFF:
            # Lost sync with the segment layout: do not call a file truncated on a guess.
            return data.find(_EOI, pos) != -1
        marker = data[pos + 1]
        if marker == 0xD9:
            return True
        if marker in _STANDALONE:
            pos += 2
            continue
        if pos + 4 > n:
            return False
        end = pos + 2 + int.from_bytes(data[pos + 2 : pos + 4], "big")
        if end > n:
            return False
        if marker == 0xDA:  # start of scan: skip the entropy-coded data to the next marker
            found = _NEXT_MARKER.search(data, end)
            if found is None:
                return False
            pos = found.start()
        else:
            pos = end
