"""Reference server: per model, HTTP round trip for a 1 MP and a 12 MP JPEG against the raw model time.

Decode (request parsing + image decoding) and model times come from the server's own statistics for the
same request, so the overhead (round trip − decode − model) is HTTP, queueing and encoding, client included.
"""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path

import cv2
import requests

from server.app import create_app
from server.background import BackgroundServer
from server.binary import HEADER_LENGTH, serialize_bytes
from server.models_fetch import missing_models, models_dir
from server.registry import ModelRegistry

SAMPLE = Path(__file__).resolve().parents[1] / "resources" / "samples" / "grace_hopper.jpg"
SIZES = {"1 MP": (1152, 864), "12 MP": (4000, 3000)}
RUNS = {"1 MP": 15, "12 MP": 5}
OVERHEAD_BUDGET_MS = 5.0


def _jpeg(size: tuple[int, int]) -> bytes:
    image = cv2.resize(cv2.imread(str(SAMPLE), cv2.IMREAD_COLOR), size, interpolation=cv2.INTER_CUBIC)
    return cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 90])[1].tobytes()


def _median_ms(samples: list[int]) -> float:
    return statistics.median(samples) / 1e6


def _binary_body(jpeg: bytes) -> tuple[bytes, dict[str, str]]:
    raw = serialize_bytes([jpeg])
    head = json.dumps(
        {
            "inputs": [
                {
                    "name": "image",
                    "shape": [1],
                    "datatype": "BYTES",
                    "parameters": {"binary_data_size": len(raw)},
                }
            ]
        }
    ).encode()
    return head + raw, {HEADER_LENGTH: str(len(head)), "Content-Type": "application/octet-stream"}


def _server_times(session: requests.Session, url: str, name: str) -> tuple[int, int]:
    """Cumulative (decode ns, model ns) from the server's statistics."""
    stats = session.get(f"{url}/v2/models/{name}/stats", timeout=10).json()["model_stats"][0][
        "inference_stats"
    ]
    return stats["compute_input"]["ns"], stats["compute_infer"]["ns"]


def main() -> None:
    if missing_models(models_dir()):
        print("  skipped: people models missing; run `make models`")
        return
    from server.people.pack import load_people_pack

    models = load_people_pack(models_dir())
    app = create_app(ModelRegistry(models))
    images = {label: _jpeg(size) for label, size in SIZES.items()}
    print(
        f"  {'model':<21}{'image':>6}{'round trip':>12}{'decode':>9}{'model':>9}{'overhead':>10}  budget ≤ "
        f"{OVERHEAD_BUDGET_MS:.0f} ms"
    )
    with BackgroundServer(app) as server, requests.Session() as session:
        for model in models:
            url = f"{server.url}/v2/models/{model.info.name}/infer"
            for label, jpeg in images.items():
                body, headers = _binary_body(jpeg)
                session.post(url, data=body, headers=headers, timeout=120).raise_for_status()  # warm-up
                trips, decodes, raws = [], [], []
                before = _server_times(session, server.url, model.info.name)
                for _ in range(RUNS[label]):
                    t0 = time.perf_counter_ns()
                    session.post(url, data=body, headers=headers, timeout=120).raise_for_status()
                    trips.append(time.perf_counter_ns() - t0)
                    after = _server_times(session, server.url, model.info.name)
                    decodes.append(after[0] - before[0])
                    raws.append(after[1] - before[1])
                    before = after
                trip, decode, raw = _median_ms(trips), _median_ms(decodes), _median_ms(raws)
                overhead = trip - decode - raw
                verdict = "ok" if overhead <= OVERHEAD_BUDGET_MS else "OVER"
                print(
                    f"  {model.info.name:<21}{label:>6}{trip:>10.1f}ms{decode:>7.1f}ms{raw:>7.1f}ms"
                    f"{overhead:>8.1f}ms  {verdict}",
                    flush=True,
                )
    print(
        "  medians; binary tensor requests over keep-alive; decode and model times as the server measured them"
    )


if __name__ == "__main__":
    main()
