"""A lying network: every protocol adapter, through the real client, against a real local server that lies.

For each fault and adapter: an InferenceError with a plain message (no traceback, no Python type names),
within the configured timeout, with peak memory bounded (printed in the figures); no redirect followed to
another host; TLS verification never turned off. `make soak` (FAULT_NETWORK_PROBES=1) also sends each
adapter's probe (the ready check) into every fault.
"""

from __future__ import annotations

import os
import re
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fault_figures import count, peak
from lying_server import FAULTS, LyingServer, bomb, can_bind, million_predictions

from app.inference.adapters import ImageInput, Probe
from app.inference.client import PROBE_TIMEOUT_S, InferenceClient
from app.inference.errors import InferenceError
from app.models import Deployment, ModelInfo, Protocol, Task

TIMEOUT_S = 1.0  # the deployment's timeout: every fault must end within it
# ... plus the time to parse what the size limit lets through (a million predictions: up to 2 s here)
PARSE_ALLOWANCE_S = 3.0
PROBES = os.environ.get("FAULT_NETWORK_PROBES") == "1"
PEAK_LIMIT_MB = 800  # what one refused answer may cost at most (a 64 MiB JSON answer parses to ~400 MB)
IMAGE = ImageInput(
    b"\xff\xd8\xff\xe0 not really a jpeg", "photo.jpg", 640, 480, "http://127.0.0.1:9/photo.jpg"
)
MODEL = {
    Protocol.OIP: "m",
    Protocol.ROBOFLOW: "project/3",
    Protocol.DATATURE: "m",
    Protocol.LABEL_STUDIO: "m",
}
# What a message for a labeller never shows: a traceback, or Python's and urllib3's names for things.
NOT_PLAIN = re.compile(
    r"Traceback|File \"|Error\(|Exception\(|object at 0x|urllib3|HTTPConnectionPool|<[a-z_.]+\."
)


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, LyingServer]]:
    """The lying server, the host a redirect points to (another loopback address), and an HTTPS one."""
    elsewhere_host = "127.0.0.2" if can_bind("127.0.0.2") else "localhost"
    made = {
        "plain": LyingServer(),
        "elsewhere": LyingServer(elsewhere_host),
        "tls": LyingServer(tls_folder=tmp_path_factory.mktemp("tls")),
    }
    made["tls"].fault = "TLS certificate that does not verify"
    made["plain"].elsewhere = made["elsewhere"].url
    bomb()  # the big answers are built once, before any clock runs
    for protocol in Protocol:
        million_predictions(protocol)
    yield made
    for server in made.values():
        server.stop()


def _rss_mb(field: str) -> float:
    with open("/proc/self/status") as f:
        line = next(line for line in f if line.startswith(field + ":"))
    return int(line.split()[1]) / 1024


def _measured(run: Callable[[], object]) -> tuple[BaseException | None, float, float]:
    """What `run` raised (None if it returned), how long it took, and how far it raised the process's
    peak resident memory (MB; Linux resets the peak on request, elsewhere Python's own allocations count)."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")  # resets VmHWM, the peak resident size, to the current size
        base, traced = _rss_mb("VmRSS"), False
    except OSError:
        tracemalloc.start()
        base, traced = 0.0, True
    start = time.monotonic()
    try:
        run()
        error = None
    except BaseException as e:  # everything is counted; only InferenceError is right
        error = e
    took = time.monotonic() - start
    if traced:
        top = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    else:
        top = _rss_mb("VmHWM") - base
    return error, took, top


def _check(fault: str, error: BaseException | None, took: float, peak_mb: float, timeout: float) -> None:
    unexpected = not isinstance(error, InferenceError)
    count("lying network", **{"faults tried": 1, "unexpected exceptions": int(unexpected)})
    peak("lying network", "peak memory", round(peak_mb), " MB")
    assert not unexpected, f"{fault}: {type(error).__name__}: {error}"
    message = str(error)
    assert message and not NOT_PLAIN.search(message), f"{fault}: not a plain message: {message}"
    assert took < timeout + PARSE_ALLOWANCE_S, f"{fault}: took {took:.1f} s with a {timeout:g} s timeout"
    assert peak_mb < PEAK_LIMIT_MB, f"{fault}: {peak_mb:.0f} MB"


def _deployment(server: LyingServer, protocol: Protocol) -> Deployment:
    return Deployment(
        name="lying", url=server.url, model=MODEL[protocol], protocol=protocol, timeout_s=TIMEOUT_S
    )


def _server_for(servers: dict[str, LyingServer], fault: str, protocol: Protocol) -> LyingServer:
    server = servers["tls"] if fault == "TLS certificate that does not verify" else servers["plain"]
    server.fault, server.protocol = fault, protocol
    return server


@pytest.mark.parametrize("protocol", list(Protocol), ids=lambda p: p.value)
@pytest.mark.parametrize("fault", list(FAULTS))
def test_a_lying_answer_is_a_plain_error_in_time(servers, fault: str, protocol: Protocol) -> None:
    server = _server_for(servers, fault, protocol)
    d = _deployment(server, protocol)
    probe = Probe(ModelInfo(name="m", task=Task.DETECT, labels=("a",)))
    before = servers["elsewhere"].hits
    error, took, peak_mb = _measured(
        lambda: InferenceClient().infer(d, None, IMAGE, floor=0.05, probe=probe, request_id="img-1/gen-1")
    )
    _check(fault, error, took, peak_mb, TIMEOUT_S)
    assert servers["elsewhere"].hits == before, "a redirect to another host was followed"


@pytest.mark.skipif(not PROBES, reason="the probes run in `make soak` (FAULT_NETWORK_PROBES=1)")
@pytest.mark.parametrize("protocol", list(Protocol), ids=lambda p: p.value)
@pytest.mark.parametrize("fault", list(FAULTS))
def test_a_lying_ready_check_is_a_plain_error_in_time(servers, fault: str, protocol: Protocol) -> None:
    server = _server_for(servers, fault, protocol)
    d = _deployment(server, protocol)
    before = servers["elsewhere"].hits
    error, took, peak_mb = _measured(lambda: InferenceClient().probe(d, None))
    _check(fault, error, took, peak_mb, PROBE_TIMEOUT_S)
    assert servers["elsewhere"].hits == before, "a redirect to another host was followed"


def test_tls_verification_is_never_turned_off() -> None:
    """No code path in the app disables certificate checks or reads a CA bundle from the environment."""
    app = Path(__file__).resolve().parents[2] / "app"
    for source in app.rglob("*.py"):
        text = source.read_text(encoding="utf-8")
        assert not re.search(
            r"verify\s*=\s*False|CERT_NONE|_create_unverified_context|check_hostname\s*=\s*False", text
        ), source
    session = InferenceClient()._session()
    assert session.verify is True and session.trust_env is False
