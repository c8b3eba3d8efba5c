"""Fetch the people-pack TFLite models from the mediapipe wheel into the cache dir (`make models`).

The wheel is downloaded with pip for a pinned platform and only the model files are extracted;
mediapipe itself is never installed or imported.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import platformdirs

WHEEL_REQUIREMENT = "mediapipe==0.10.21"
WHEEL_PLATFORM = "manylinux_2_28_x86_64"
WHEEL_PYTHON = "3.11"

# File name -> (path inside the wheel, sha256), pinned by golden/decoding.md §1.
MODEL_FILES: dict[str, tuple[str, str]] = {
    "face_detection_short_range.tflite": (
        "mediapipe/modules/face_detection/face_detection_short_range.tflite",
        "bbff11cebd1eb27a1e004cae0b0e63ec8c551cbf34a4451148b4908b8db3eca8",
    ),
    "face_detection_full_range_sparse.tflite": (
        "mediapipe/modules/face_detection/face_detection_full_range_sparse.tflite",
        "2c3728e6da56f21e21a320433396fb06d40d9088f2247c05e5635a688d45dfe1",
    ),
    "selfie_segmentation.tflite": (
        "mediapipe/modules/selfie_segmentation/selfie_segmentation.tflite",
        "9ee168ec7c8f2a16c56fe8e1cfbc514974cbbb7e434051b455635f1bd1462f5c",
    ),
    "pose_detection.tflite": (
        "mediapipe/modules/pose_detection/pose_detection.tflite",
        "9ba9dd3d42efaaba86b4ff0122b06f29c4122e756b329d89dca1e297fd8f866c",
    ),
    "pose_landmark_full.tflite": (
        "mediapipe/modules/pose_landmark/pose_landmark_full.tflite",
        "e9a5c5cb17f736fafd4c2ec1da3b3d331d6edbe8a0d32395855aeb2cdfd64b9f",
    ),
    "palm_detection_full.tflite": (
        "mediapipe/modules/palm_detection/palm_detection_full.tflite",
        "1b14e9422c6ad006cde6581a46c8b90dd573c07ab7f3934b5589e7cea3f89a54",
    ),
    "hand_landmark_full.tflite": (
        "mediapipe/modules/hand_landmark/hand_landmark_full.tflite",
        "11c272b891e1a99ab034208e23937a8008388cf11ed2a9d776ed3d01d0ba00e3",
    ),
}
LICENSE_NAME = "LICENSE.mediapipe-Apache-2.0.txt"
NOTICE_TEXT = (
    "The .tflite files in this folder are unmodified copies from the mediapipe==0.10.21 wheel\n"
    "(Google LLC), distributed under the Apache License 2.0, whose text follows.\n\n"
)


BUNDLED_SUBDIR = "models"  # where the packaged app carries the files, under sys._MEIPASS


def models_dir() -> Path:
    """The model folder: env LABELASSIST_MODELS_DIR, else the packaged app's own copy, else the cache."""
    override = os.environ.get("LABELASSIST_MODELS_DIR")
    if override:
        return Path(override)
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle) / BUNDLED_SUBDIR
    return Path(platformdirs.user_cache_dir("labelassist")) / "models"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _stamp_ok(directory: Path, name: str, sha: str) -> bool:
    """True when a file is present and verified; the stamp saves re-hashing on every `make`."""
    path = directory / name
    stamp = directory / f".{name}.sha256"
    if not path.is_file():
        return False
    stat = path.stat()
    key = f"{sha} {stat.st_size} {stat.st_mtime_ns}"
    if stamp.is_file() and stamp.read_text().strip() == key:
        return True
    if sha256_of(path) != sha:
        return False
    try:
        stamp.write_text(key)
    except OSError:
        pass  # a read-only folder (an installed app): verified all the same, hashed again next time
    return True


def missing_models(directory: Path | None = None) -> list[str]:
    """Names of model files that are absent or fail their checksum."""
    directory = directory or models_dir()
    return [name for name, (_, sha) in MODEL_FILES.items() if not _stamp_ok(directory, name, sha)]


def _download_wheel(dest: Path) -> Path:
    command = [
        sys.executable,
        "-m",
        "pip",
        "download",
        WHEEL_REQUIREMENT,
        "--no-deps",
        "--only-binary=:all:",
        "--platform",
        WHEEL_PLATFORM,
        "--python-version",
        WHEEL_PYTHON,
        "-d",
        str(dest),
        "-q",
    ]
    subprocess.run(command, check=True)
    wheels = sorted(dest.glob("mediapipe-*.whl"))
    if not wheels:
        raise RuntimeError("pip download produced no mediapipe wheel")
    return wheels[0]


def _extract(wheel: Path, directory: Path, names: list[str]) -> None:
    with zipfile.ZipFile(wheel) as archive:
        for name in names:
            member, sha = MODEL_FILES[name]
            data = archive.read(member)
            if hashlib.sha256(data).hexdigest() != sha:
                raise RuntimeError(f"{name}: sha256 mismatch in the downloaded wheel")
            tmp = directory / f".{name}.part"
            tmp.write_bytes(data)
            tmp.replace(directory / name)
        licences = [m for m in archive.namelist() if m.endswith(".dist-info/LICENSE")]
        if licences:
            text = archive.read(licences[0]).decode("utf-8", "replace")
            (directory / LICENSE_NAME).write_text(NOTICE_TEXT + text)


def fetch(directory: Path | None = None) -> Path:
    """Make sure every model file is present and verified; download only when something is missing."""
    directory = directory or models_dir()
    directory.mkdir(parents=True, exist_ok=True)
    missing = missing_models(directory)
    if missing or not (directory / LICENSE_NAME).is_file():
        print(f"Fetching {WHEEL_REQUIREMENT} models into {directory}", flush=True)
        with tempfile.TemporaryDirectory() as tmp:
            wheel = _download_wheel(Path(tmp))
            _extract(wheel, directory, missing or list(MODEL_FILES))
        still = missing_models(directory)
        if still:
            raise RuntimeError(f"model files failed verification: {', '.join(still)}")
    return directory


def main() -> int:
    try:
        fetch()
    except (OSError, RuntimeError, subprocess.CalledProcessError) as exc:
        print(f"models: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
