"""load() and probe() on real files: orientation, bit depths, alpha, CMYK, broken and hostile files."""

import threading
from pathlib import Path

import cv2
import numpy as np
import pytest
from imaging_files import (
    RED,
    SAMPLES,
    app_segment,
    encode,
    insert_after_soi,
    jpeg_components,
    png_color_type,
    quadrant_image,
    write_jpeg,
    write_png,
    write_png_header_only,
)
from PySide6.QtGui import QColor, QImage, QImageReader

from app.imaging import MAX_PIXELS, ImageInfo, ImageLoadError, load, probe

Format = QImage.Format
DISPLAY_FORMATS = {Format.Format_RGB32, Format.Format_ARGB32_Premultiplied, Format.Format_Grayscale8}
SAMPLE_FILES = sorted(p for p in SAMPLES.iterdir() if p.suffix.lower() in {".jpg", ".png"})


def is_red(color: QColor) -> bool:
    return color.red() > 200 and color.green() < 60 and color.blue() < 60


def red_quadrant(image: QImage) -> str:
    """Which quadrant ("TL", "TR", "BL", "BR") of the image is red; asserts exactly one is."""
    w, h = image.width(), image.height()
    centres = {
        "TL": (w // 4, h // 4),
        "TR": (3 * w // 4, h // 4),
        "BL": (w // 4, 3 * h // 4),
        "BR": (3 * w // 4, 3 * h // 4),
    }
    red = [name for name, (x, y) in centres.items() if is_red(image.pixelColor(x, y))]
    assert len(red) == 1, red
    return red[0]


# ---------------------------------------------------------------------------------------- good images


@pytest.mark.parametrize("path", SAMPLE_FILES, ids=lambda p: p.name)
def test_sample_photos_load_in_a_display_format(path):
    info = probe(path)
    image = load(path)
    assert not image.isNull()
    assert (image.width(), image.height()) == (info.width, info.height)
    assert image.format() in DISPLAY_FORMATS
    assert info.format in {"jpeg", "png"}


def test_samples_are_present():
    assert len(SAMPLE_FILES) >= 10


# EXIF orientation → where the stored top-left quadrant is displayed, and whether the sides swap.
ORIENTATIONS = {
    1: ("TL", False),
    2: ("TR", False),
    3: ("BR", False),
    4: ("BL", False),
    5: ("TL", True),
    6: ("TR", True),
    7: ("BR", True),
    8: ("BL", True),
}


@pytest.mark.parametrize("orientation", sorted(ORIENTATIONS))
def test_exif_orientation_is_applied(tmp_path, orientation):
    path = write_jpeg(tmp_path / f"o{orientation}.jpg", quadrant_image(160, 80), orientation)
    corner, swapped = ORIENTATIONS[orientation]
    expected = (80, 160) if swapped else (160, 80)

    image = load(path)
    assert (image.width(), image.height()) == expected
    assert red_quadrant(image) == corner

    info = probe(path)
    assert (info.width, info.height) == expected
    assert info.format == "jpeg" and info.scaled_decode


def test_max_side_reduces_a_rotated_jpeg_keeping_its_orientation(tmp_path):
    path = write_jpeg(tmp_path / "rot.jpg", quadrant_image(800, 400), orientation=6)
    image = load(path, max_side=100)
    assert (image.width(), image.height()) == (50, 100)
    assert red_quadrant(image) == "TR"


def test_max_side_larger_than_the_image_changes_nothing(tmp_path):
    path = write_jpeg(tmp_path / "small.jpg", quadrant_image(120, 90))
    assert load(path, max_side=4096).size() == load(path).size()
    assert (load(path, max_side=60).width(), load(path, max_side=60).height()) == (60, 45)


def test_max_side_also_reduces_formats_without_scaled_decoding(tmp_path):
    path = write_png(tmp_path / "big.png", quadrant_image(400, 200))
    assert probe(path).scaled_decode is False
    image = load(path, max_side=100)
    assert (image.width(), image.height()) == (100, 50)


def test_16_bit_gradient_spans_the_8_bit_range(tmp_path):
    ramp = np.tile(np.linspace(0, 65535, 256).round().astype(np.uint16), (8, 1))
    path = write_png(tmp_path / "g16.png", ramp)
    assert QImage(str(path)).format() == Format.Format_Grayscale16  # the file really is 16-bit

    image = load(path)
    assert image.format() == Format.Format_Grayscale8
    row = [image.pixelColor(x, 4).red() for x in range(256)]
    assert row[0] == 0 and row[255] == 255
    assert abs(row[128] - 128) <= 1, "mid grey must stay mid grey"
    assert row == sorted(row)


def test_12_bit_data_in_a_16_bit_png_is_not_black(tmp_path):
    ramp = np.tile(np.linspace(0, 4095, 256).round().astype(np.uint16), (8, 1))
    image = load(write_png(tmp_path / "g12.png", ramp))
    assert image.pixelColor(255, 0).red() == 255
    assert abs(image.pixelColor(128, 0).red() - 128) <= 1


def test_8_bit_values_stored_as_16_bit_keep_their_values(tmp_path):
    ramp = np.tile(np.arange(256, dtype=np.uint16), (4, 1))
    image = load(write_png(tmp_path / "g8in16.png", ramp))
    assert [image.pixelColor(x, 0).red() for x in (0, 17, 200, 255)] == [0, 17, 200, 255]


def test_16_bit_colour_png(tmp_path):
    plane = np.full((8, 8), 32768, np.uint16)
    bgr = np.dstack([plane // 2, plane, np.full_like(plane, 65535)])  # blue 16384, green 32768, red 65535
    image = load(write_png(tmp_path / "c16.png", bgr))
    assert image.format() == Format.Format_RGB32
    color = image.pixelColor(4, 4)
    assert color.red() == 255 and abs(color.green() - 128) <= 1 and abs(color.blue() - 64) <= 1


def test_grayscale_png_stays_grey(tmp_path):
    ramp = np.tile(np.arange(256, dtype=np.uint8), (4, 1))
    image = load(write_png(tmp_path / "g8.png", ramp))
    assert image.format() == Format.Format_Grayscale8
    assert [image.pixelColor(x, 1).red() for x in (0, 100, 255)] == [0, 100, 255]


def test_alpha_is_kept_premultiplied(tmp_path):
    bgra = np.zeros((10, 10, 4), np.uint8)
    bgra[..., 2] = 255  # red
    bgra[..., 3] = 128
    bgra[0, 0, 3] = 0
    image = load(write_png(tmp_path / "rgba.png", bgra))
    assert image.format() == Format.Format_ARGB32_Premultiplied
    color = image.pixelColor(5, 5)
    assert color.alpha() == 128 and color.red() >= 250 and color.green() == 0
    assert image.pixelColor(0, 0).alpha() == 0


def test_paletted_png(tmp_path):
    palette_image = QImage(6, 4, Format.Format_Indexed8)
    palette_image.setColorTable([QColor(255, 0, 0).rgba(), QColor(0, 0, 255).rgba()])
    palette_image.fill(0)
    for x in range(3, 6):
        for y in range(4):
            palette_image.setPixel(x, y, 1)
    path = tmp_path / "palette.png"
    assert palette_image.save(str(path))
    assert png_color_type(path) == 3, "Qt wrote a non-paletted PNG; the test would prove nothing"

    image = load(path)
    assert image.format() == Format.Format_RGB32
    assert is_red(image.pixelColor(0, 0))
    assert image.pixelColor(5, 3).name() == "#0000ff"


def test_cmyk_jpeg_shows_the_right_colours(tmp_path):
    cmyk = QImage(40, 20, Format.Format_CMYK8888)
    cmyk.fill(0)  # no ink: white
    ink = np.ndarray((20, cmyk.bytesPerLine()), np.uint8, buffer=cmyk.bits())
    ink[:, : 20 * 4 : 4] = 255  # full cyan ink on the left half (bytes are C, M, Y, K)
    path = tmp_path / "cmyk.jpg"
    if not cmyk.save(str(path), "JPEG", 95):
        pytest.skip("this Qt cannot write CMYK JPEG")
    assert jpeg_components(path.read_bytes()) == 4
    # An independent decoder agrees the file holds cyan, so a colour-inverting reader would be caught.
    assert tuple(cv2.imread(str(path))[10, 5]) > (240, 240, 0) and cv2.imread(str(path))[10, 5][2] < 20

    image = load(path)
    assert image.format() == Format.Format_RGB32
    left, right = image.pixelColor(5, 10), image.pixelColor(35, 10)
    assert left.red() < 20 and left.green() > 235 and left.blue() > 235
    assert min(right.red(), right.green(), right.blue()) > 235


def test_non_ascii_path(tmp_path):
    folder = tmp_path / "Ördner 図"
    folder.mkdir()
    path = folder / "фото_写真 é.jpg"
    path.write_bytes(encode(quadrant_image(64, 32)))
    assert probe(path) == ImageInfo(64, 32, "jpeg", True)
    assert red_quadrant(load(path)) == "TL"
    assert load(str(path)).width() == 64


def test_png_named_jpg_is_read_by_its_content(tmp_path):
    path = tmp_path / "really_a_png.jpg"
    path.write_bytes(encode(quadrant_image(20, 10), ".png"))
    assert probe(path).format == "png"
    assert load(path).width() == 20


def test_jpeg_with_data_after_its_end_loads(tmp_path):
    # Motion photos and some phones append a video or vendor block after the end-of-image marker.
    trailer = b"\x00\x00\x00\x18ftypmp42" + b"\xff\xda\x00\x08junk" * 50
    path = tmp_path / "motion.jpg"
    path.write_bytes(encode(quadrant_image(64, 32)) + trailer)
    assert red_quadrant(load(path)) == "TL"


def test_progressive_jpeg_loads(tmp_path):
    path = write_jpeg(tmp_path / "prog.jpg", quadrant_image(256, 128), IMWRITE_JPEG_PROGRESSIVE=1)
    assert red_quadrant(load(path)) == "TL"


def test_format_qt_cannot_read_falls_back_to_opencv(tmp_path):
    path = tmp_path / "photo.jp2"
    try:
        path.write_bytes(encode(quadrant_image(64, 32), ".jp2"))
    except (AssertionError, cv2.error):
        pytest.skip("this OpenCV cannot write JPEG 2000")
    assert not QImageReader(str(path)).canRead(), "Qt reads it natively; the fallback is not exercised"
    info = probe(path)
    assert (info.width, info.height, info.format) == (64, 32, "jp2")
    image = load(path)
    assert image.format() == Format.Format_RGB32
    assert red_quadrant(image) == "TL"
    assert load(path, max_side=16).width() == 16


def test_loading_works_off_the_gui_thread(tmp_path):
    path = write_jpeg(tmp_path / "t.jpg", quadrant_image(64, 32), orientation=6)
    out: list[object] = []
    worker = threading.Thread(target=lambda: out.append(load(path)))
    worker.start()
    worker.join()
    assert isinstance(out[0], QImage) and out[0].height() == 64


# ----------------------------------------------------------------------------------------- bad images


def expect_error(path: Path, *fragments: str) -> ImageLoadError:
    with pytest.raises(ImageLoadError) as caught:
        load(path)
    message = str(caught.value)
    assert message.startswith(f"Cannot read '{path.name}': "), message
    for fragment in fragments:
        assert fragment in message, message
    return caught.value


def test_empty_file(tmp_path):
    path = tmp_path / "empty.jpg"
    path.write_bytes(b"")
    expect_error(path, "the file is empty")
    with pytest.raises(ImageLoadError, match="empty"):
        probe(path)


def test_missing_file(tmp_path):
    expect_error(tmp_path / "gone.png", "does not exist")
    with pytest.raises(ImageLoadError, match="does not exist"):
        probe(tmp_path / "gone.png")


def test_folder_is_not_an_image(tmp_path):
    folder = tmp_path / "folder.jpg"
    folder.mkdir()
    expect_error(folder, "folder")


@pytest.mark.parametrize("seed", range(5))
def test_random_bytes(tmp_path, seed):
    path = tmp_path / f"noise{seed}.jpg"
    path.write_bytes(np.random.default_rng(seed).bytes(20_000))
    expect_error(path, "not an image or is corrupt")


def test_text_file_renamed_jpg(tmp_path):
    path = tmp_path / "notes.jpg"
    path.write_text("These are my notes, not a photo.\n" * 20)
    expect_error(path, "not an image or is corrupt")
    with pytest.raises(ImageLoadError, match="not an image"):
        probe(path)


def test_corrupt_jpeg_body(tmp_path):
    data = bytearray(encode(quadrant_image(64, 64)))
    data[2:40] = b"\x00" * 38  # header destroyed, SOI kept
    path = tmp_path / "corrupt.jpg"
    path.write_bytes(bytes(data))
    expect_error(path, "not an image or is corrupt")


def noisy(width: int, height: int) -> np.ndarray:
    return np.random.default_rng(0).integers(0, 256, (height, width, 3), dtype=np.uint8)


@pytest.mark.parametrize("progressive", [0, 1])
def test_truncated_jpeg(tmp_path, progressive):
    # libjpeg decodes a cut-off JPEG "successfully", padding with grey: we must notice ourselves.
    data = encode(noisy(400, 300), ".jpg", [cv2.IMWRITE_JPEG_PROGRESSIVE, progressive])
    path = tmp_path / "cut.jpg"
    path.write_bytes(data[: len(data) * 2 // 3])
    expect_error(path, "truncated")
    assert probe(path).width == 400  # the header is intact, so probing (used when adding files) works


def test_truncated_jpeg_with_an_end_marker_in_its_header(tmp_path):
    # An EXIF thumbnail carries its own end-of-image marker; it must not pass for the real one.
    data = insert_after_soi(encode(noisy(400, 300)), app_segment(0xE1, b"Exif\x00\x00thumb\xff\xd9"))
    path = tmp_path / "cut_thumb.jpg"
    path.write_bytes(data[: len(data) // 2])
    expect_error(path, "truncated")


def test_truncated_png(tmp_path):
    data = encode(noisy(200, 150), ".png")
    path = tmp_path / "cut.png"
    path.write_bytes(data[: len(data) // 2])
    expect_error(path, "truncated")


def test_huge_header_is_rejected_before_decoding(tmp_path):
    path = write_png_header_only(tmp_path / "bomb.png", 40000, 40000)
    assert path.stat().st_size < 2000
    # Our message (not Qt's allocation failure) proves the header check stopped it first.
    expect_error(path, "40000×40000", "1600 MP", "the limit is 250 MP")
    info = probe(path)  # probing only reads the header, so it reports the size instead of failing
    assert (info.width, info.height) == (40000, 40000) and info.pixels > MAX_PIXELS


def test_pixel_limit_boundary(tmp_path, monkeypatch):
    path = write_jpeg(tmp_path / "limit.jpg", quadrant_image(100, 50))
    monkeypatch.setattr("app.imaging.loader.MAX_PIXELS", 5000)
    assert load(path).width() == 100
    monkeypatch.setattr("app.imaging.loader.MAX_PIXELS", 4999)
    expect_error(path, "100×50")


def test_qt_allocation_limit_admits_every_image_under_max_pixels():
    # Qt's default (256 MB) would refuse a 70 MP photo that our limit allows.
    assert QImageReader.allocationLimit() * 2**20 >= MAX_PIXELS * 8


def test_error_keeps_path_and_reason(tmp_path):
    path = tmp_path / "e.png"
    path.write_bytes(b"")
    error = expect_error(path)
    assert error.path == str(path) and error.reason == "the file is empty"


def test_red_is_bgr_in_helpers():
    assert RED == (0, 0, 255)
