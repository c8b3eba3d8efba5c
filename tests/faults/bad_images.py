"""A corpus of bad and odd image files, made on the spot: broken ones must give a message naming the file,
odd but valid ones must show. `build(folder)` writes them and says which is which."""

from __future__ import annotations

import os
import random
import struct
import sys
from pathlib import Path

import cv2
import numpy as np
from PySide6.QtGui import QImage

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "imaging"))  # the imaging tests' file makers
from imaging_files import exif_orientation_segment, insert_after_soi, write_png_header_only  # noqa: E402

BAD, GOOD, EITHER = "bad", "good", "either"  # EITHER: a decoder may repair it or refuse it, never crash
UNREADABLE = "unreadable.jpg"
DELETED = "deleted while open.jpg"


def photo(width: int = 320, height: int = 240) -> np.ndarray:
    """A smooth colour picture with some edges (compresses like a photo, not like noise)."""
    y, x = np.mgrid[0:height, 0:width]
    image = np.stack([(x * 255 // width), (y * 255 // height), ((x + y) % 64) * 4], -1).astype(np.uint8)
    cv2.rectangle(image, (width // 4, height // 4), (width // 2, height // 2), (0, 0, 255), -1)
    return image


def encode(ext: str, image: np.ndarray | None = None, params: list[int] | None = None) -> bytes:
    ok, data = cv2.imencode(ext, photo() if image is None else image, params or [])
    assert ok, ext
    return data.tobytes()


def jpeg_header_only(width: int, height: int) -> bytes:
    """A small JPEG whose frame header claims width×height: a few bytes of scan for billions of pixels."""
    data = bytearray(encode(".jpg", photo(16, 16)))
    at = data.index(b"\xff\xc0") + 5  # SOF0: length (2), precision (1), then height and width
    data[at : at + 4] = struct.pack(">HH", height, width)
    return bytes(data)


def wrong_crc_png() -> bytes:
    data = encode(".png")
    at = data.index(b"IDAT") - 4
    length = struct.unpack(">I", data[at : at + 4])[0]
    crc_at = at + 8 + length
    return data[:crc_at] + bytes([data[crc_at] ^ 0xFF]) + data[crc_at + 1 :]


def exif_rotated_jpeg(orientation: int = 6) -> bytes:
    return insert_after_soi(encode(".jpg"), exif_orientation_segment(orientation))


def cmyk_jpeg(path: Path) -> None:
    image = QImage(80, 60, QImage.Format.Format_CMYK8888)
    image.fill(0)
    assert image.save(str(path), "JPEG", 90), "this Qt cannot write CMYK JPEG"


def animated_gif(path: Path) -> None:
    animation = cv2.Animation()
    animation.frames = [photo(120, 90), photo(120, 90)[:, ::-1].copy(), photo(120, 90)[::-1].copy()]
    animation.durations = [100, 100, 100]
    assert cv2.imwriteanimation(str(path), animation)


def fuzzed(seed: int) -> tuple[str, bytes]:
    """A valid file of some format with bytes flipped, cut or repeated."""
    rng = random.Random(seed)
    ext = rng.choice([".jpg", ".png", ".webp", ".tiff", ".bmp"])
    data = bytearray(encode(ext))
    for _ in range(rng.randint(1, 12)):
        at = rng.randrange(len(data))
        action = rng.random()
        if action < 0.6:
            data[at] ^= 1 << rng.randrange(8)
        elif action < 0.8:
            del data[at:]
        else:
            data[at:at] = data[at : at + rng.randint(1, 64)] * rng.randint(1, 8)
        if not data:
            break
    return f"fuzzed {seed}{ext}", bytes(data)


def build(folder: Path, fuzzed_count: int = 0) -> dict[str, str]:
    """Write the corpus into `folder`; returns file name -> BAD, GOOD or EITHER."""
    folder.mkdir(parents=True, exist_ok=True)
    jpeg, png = encode(".jpg"), encode(".png")
    files: dict[str, tuple[str, bytes]] = {
        "good photo.jpg": (GOOD, jpeg),
        "zero bytes.jpg": (BAD, b""),
        "truncated.jpg": (BAD, jpeg[: len(jpeg) * 3 // 5]),
        "truncated.png": (BAD, png[: len(png) * 3 // 5]),
        "wrong crc.png": (EITHER, wrong_crc_png()),
        "header only 40000x40000.png": (BAD, b""),  # written below
        "header only 40000x40000.jpg": (BAD, jpeg_header_only(40_000, 40_000)),
        "16-bit.png": (GOOD, encode(".png", (photo().astype(np.uint16) * 257))),
        "exif rotated.jpg": (GOOD, exif_rotated_jpeg()),
        "multi-page.tiff": (GOOD, b""),  # written below
        "photo.webp": (GOOD, encode(".webp")),
        "a jpeg named.png": (GOOD, jpeg),
        "café über ñ 写真.jpg": (GOOD, jpeg),
        "🐱 cat 🐶.png": (GOOD, png),
        "random bytes.png": (BAD, random.Random(3).randbytes(5000)),
        "text named.jpg": (BAD, b"this is a text file, not a picture\n" * 20),
        UNREADABLE: (BAD, jpeg),
        DELETED: (BAD, jpeg),
    }
    for seed in range(fuzzed_count):
        name, data = fuzzed(seed)
        files[name] = (EITHER, data)
    for name, (_, data) in files.items():
        (folder / name).write_bytes(data)
    ok, pages = cv2.imencodemulti(".tiff", [photo(), photo(160, 120)])
    assert ok
    (folder / "multi-page.tiff").write_bytes(pages.tobytes())
    write_png_header_only(folder / "header only 40000x40000.png", 40_000, 40_000)
    cmyk_jpeg(folder / "cmyk.jpg")
    animated_gif(folder / "animated.gif")
    os.symlink("symlink loop.jpg", folder / "symlink loop.jpg")
    (folder / "a folder.jpg").mkdir()
    (folder / "a folder.jpg" / "inside.txt").write_text("not an image")
    os.chmod(folder / UNREADABLE, 0)
    kinds = {name: kind for name, (kind, _) in files.items()}
    kinds |= {"cmyk.jpg": GOOD, "animated.gif": GOOD, "symlink loop.jpg": BAD, "a folder.jpg": BAD}
    return kinds
