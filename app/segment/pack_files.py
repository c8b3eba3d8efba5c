"""A side-loaded SAM-family pack: a folder the labeller chose holding an ONNX image encoder and a prompt
decoder (MobileSAM, NanoSAM, EfficientSAM exports), with its licence. Nothing is ever downloaded: what the
folder holds is what runs, and its SHA-256 is recorded so the labeller can tell which weights made a mask."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

HOW_TO_ADD = (
    "No segmentation pack yet. Put an ONNX image encoder and decoder of MobileSAM, NanoSAM or EfficientSAM "
    "(file names containing 'encoder' and 'decoder', ending in .onnx) in a folder with the model's LICENSE "
    "file, then choose the folder with 'Add pack…' in Intelligent Tools. Nothing is downloaded."
)
LICENCE_FILES = ("pack.json", "LICENSE", "LICENSE.txt", "LICENSE.md", "LICENCE", "LICENCE.txt", "COPYING")
KNOWN_LICENCES = (("Apache License", "Apache-2.0"), ("MIT License", "MIT"), ("BSD 3-Clause", "BSD-3-Clause"))


class PackError(ValueError):
    """A folder that is not a usable pack; the message says why in plain words."""


@dataclass(frozen=True)
class PackFiles:
    folder: Path
    encoder: Path
    decoder: Path
    name: str
    licence: str  # "" when the folder does not state one
    sha256: str  # over the encoder's bytes, then the decoder's


def find_pack(folder: str | Path) -> PackFiles:
    """The pack in `folder`; raises PackError naming what is missing."""
    root = Path(folder)
    if not root.is_dir():
        raise PackError(f"'{root}' is not a folder. {HOW_TO_ADD}")
    onnx = sorted(p for p in root.iterdir() if p.suffix.lower() == ".onnx" and p.is_file())
    encoders = [p for p in onnx if "encoder" in p.name.lower()]
    decoders = [p for p in onnx if "decoder" in p.name.lower()]
    if len(encoders) != 1 or len(decoders) != 1:
        found = ", ".join(p.name for p in onnx) or "no .onnx files"
        raise PackError(
            f"'{root.name}' should hold one ONNX file named like '*encoder*.onnx' and one like "
            f"'*decoder*.onnx'; it has {found}."
        )
    manifest = _manifest(root)
    name = str(manifest.get("name") or _common_stem(encoders[0].name, decoders[0].name) or root.name)
    return PackFiles(
        root,
        encoders[0],
        decoders[0],
        name,
        licence_of(root, manifest),
        pack_sha256(encoders[0], decoders[0]),
    )


def pack_sha256(encoder: Path, decoder: Path) -> str:
    digest = hashlib.sha256()
    for path in (encoder, decoder):
        with path.open("rb") as f:
            while chunk := f.read(1 << 20):
                digest.update(chunk)
    return digest.hexdigest()


def licence_of(root: Path, manifest: dict[str, object] | None = None) -> str:
    """The licence the folder states: `licence` in pack.json, else a known licence's title in its LICENSE
    file, else that file's first line; "" when it states none."""
    manifest = _manifest(root) if manifest is None else manifest
    stated = manifest.get("licence") or manifest.get("license")
    if isinstance(stated, str) and stated.strip():
        return stated.strip()
    for name in LICENCE_FILES[1:]:
        path = root / name
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")[:4000]
        for title, spdx in KNOWN_LICENCES:
            if title.lower() in text.lower():
                return spdx
        first = next((line.strip() for line in text.splitlines() if line.strip()), "")
        return first[:80]
    return ""


def _manifest(root: Path) -> dict[str, object]:
    path = root / "pack.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _common_stem(a: str, b: str) -> str:
    """'mobile_sam.encoder.onnx', 'mobile_sam.decoder.onnx' → 'mobile_sam'."""
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return a[:n].strip("._- ")
