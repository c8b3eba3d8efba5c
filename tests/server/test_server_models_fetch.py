"""`make models`: verification of the cached files, and the no-op when everything is there."""

from __future__ import annotations

import os
import subprocess

import pytest

from server import models_fetch


def test_models_dir_honours_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("LABELASSIST_MODELS_DIR", str(tmp_path))
    assert models_fetch.models_dir() == tmp_path


def test_missing_and_corrupt_files_are_reported(tmp_path):
    assert models_fetch.missing_models(tmp_path) == list(models_fetch.MODEL_FILES)
    name = next(iter(models_fetch.MODEL_FILES))
    (tmp_path / name).write_bytes(b"not the model")
    assert name in models_fetch.missing_models(tmp_path)


def test_fetch_is_a_no_op_when_everything_is_verified(monkeypatch):
    directory = models_fetch.models_dir()
    if models_fetch.missing_models(directory):
        pytest.skip(f"models are not in {directory}; run `make models`")

    def no_download(*args, **kwargs):
        raise AssertionError("nothing should be downloaded")

    monkeypatch.setattr(subprocess, "run", no_download)
    assert models_fetch.fetch(directory) == directory
    assert (directory / models_fetch.LICENSE_NAME).read_text().startswith("The .tflite files")


def test_a_changed_file_is_hashed_again(tmp_path):
    name, (_, sha) = next(iter(models_fetch.MODEL_FILES.items()))
    source = models_fetch.models_dir() / name
    if not source.is_file():
        pytest.skip("models are not cached; run `make models`")
    (tmp_path / name).write_bytes(source.read_bytes())
    assert name not in models_fetch.missing_models(tmp_path)  # verified, stamp written
    target = tmp_path / name
    stat = target.stat()
    data = bytearray(source.read_bytes())
    data[100] ^= 0xFF
    target.write_bytes(bytes(data))  # same size, new content
    os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))  # a later edit
    assert name in models_fetch.missing_models(tmp_path)
