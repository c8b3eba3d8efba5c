"""What the packaged app relies on: bundled model files found when frozen, a read-only model folder, and a
spec that builds on any machine."""

from __future__ import annotations

import ast
import hashlib
import re
import sys
from pathlib import Path

from app.paths import resources_dir
from app.project_files import IMAGE_SUFFIXES
from server import models_fetch

REPO = Path(__file__).resolve().parent.parent
SPEC = REPO / "build_spec" / "labelassist.spec"


def test_frozen_app_reads_models_and_resources_from_its_bundle(monkeypatch, tmp_path):
    monkeypatch.delenv("LABELASSIST_MODELS_DIR", raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert models_fetch.models_dir() == tmp_path / "models"
    assert resources_dir() == tmp_path / "resources"


def test_the_environment_still_overrides_the_bundled_models(monkeypatch, tmp_path):
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path / "bundle"), raising=False)
    monkeypatch.setenv("LABELASSIST_MODELS_DIR", str(tmp_path / "mine"))
    assert models_fetch.models_dir() == tmp_path / "mine"


def test_a_read_only_model_folder_is_verified_without_writing_stamps(monkeypatch, tmp_path):
    data = b"model bytes"
    (tmp_path / "m.tflite").write_bytes(data)
    monkeypatch.setattr(models_fetch, "MODEL_FILES", {"m.tflite": ("x", hashlib.sha256(data).hexdigest())})

    def refuse(*args, **kwargs):
        raise PermissionError("read-only file system")

    monkeypatch.setattr(Path, "write_text", refuse)
    assert models_fetch.missing_models(tmp_path) == []
    assert not (tmp_path / ".m.tflite.sha256").exists()


def test_the_spec_has_no_machine_specific_paths():
    text = SPEC.read_text()
    assert not re.search(r"""["'](/\w|~/|[A-Za-z]:[\\/])""", text), "absolute path in the spec"
    assert "console=False" in text and '"NSHighResolutionCapable": True' in text


def test_every_shipped_sample_file_is_one_the_spec_lists():
    """The spec ships SOURCES.md and the image files of resources/samples; nothing else may hide there."""
    files = [p for p in (REPO / "resources" / "samples").iterdir() if p.is_file()]
    assert {p.name for p in files if p.suffix.lower() not in IMAGE_SUFFIXES} == {"SOURCES.md"}


def test_the_spec_and_its_runtime_hook_compile():
    for path in (SPEC, REPO / "build_spec" / "rthook_streams.py"):
        compile(path.read_text(), str(path), "exec")


def _spec_excludes() -> list[str]:
    for node in ast.walk(ast.parse(SPEC.read_text())):
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "EXCLUDES" for t in node.targets):
            return list(ast.literal_eval(node.value))
    raise AssertionError("no EXCLUDES list in the spec")


def test_the_spec_excludes_nothing_the_app_or_the_server_imports():
    imported: set[str] = set()
    for path in [*(REPO / "app").rglob("*.py"), *(REPO / "server").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                imported.add(node.module)
    excludes = _spec_excludes()
    assert "onnx" in excludes and "pytest" in excludes
    optional = {"ray"}  # the cluster extra: only `prelabel --ray` and `--ray-serve` import it; never bundled
    clashes = sorted(
        m
        for m in imported
        for x in excludes
        if (m == x or m.startswith(x + ".")) and m.split(".")[0] not in optional
    )
    assert not clashes, f"the spec leaves out modules the app needs: {clashes}"


def test_every_adapter_loaded_by_name_is_listed_for_the_bundle() -> None:
    """Adapters are imported by name on first use, which a bundler cannot follow: the spec lists
    ADAPTER_MODULES, so every protocol's adapter must be there and importable."""
    import importlib

    from app.inference.adapters import ADAPTER_MODULES, adapter_for
    from app.models import Protocol

    for protocol in Protocol:
        assert type(adapter_for(protocol)).__module__ in ADAPTER_MODULES
    for module in ADAPTER_MODULES:
        importlib.import_module(module)
    assert "hiddenimports=list(ADAPTER_MODULES)" in (REPO / "build_spec" / "labelassist.spec").read_text()
