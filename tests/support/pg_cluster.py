"""A real, throwaway PostgreSQL server for the tests: its own data folder under /tmp, its own port on
127.0.0.1, trust authentication for the user `labelassist`. Team projects live in PostgreSQL, so their tests
need the real server (crash recovery included), not a mock.

Nothing may outlive the test run, however it ends: `stop()` at teardown, an atexit handler for an ordinary
exit, and a watchdog process (this file run as a script) for the exits that skip atexit — pytest-timeout's
`os._exit`, a SIGKILL. The watchdog waits on a pipe from the test process; the pipe closes when that process
ends in any way, and the watchdog then kills the server and removes its folder.
"""

from __future__ import annotations

import atexit
import glob
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

USER = "labelassist"
DEFAULT_DB = "labelassist"
BINARIES = ("initdb", "pg_ctl", "postgres")
START_TIMEOUT_S = 60


def find_binaries() -> dict[str, str] | None:
    """initdb, pg_ctl and postgres from one place: `pg_config --bindir`, else the newest Debian-style
    /usr/lib/postgresql/N/bin, else PATH. pg_config alone is not enough: on Debian it comes with libpq-dev and
    may name a version whose server is not installed."""
    folders: list[str] = []
    pg_config = shutil.which("pg_config")
    if pg_config:
        try:
            out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, timeout=10)
            folders.append(out.stdout.strip())
        except (OSError, subprocess.SubprocessError):
            pass
    versions = glob.glob("/usr/lib/postgresql/*/bin")
    folders += sorted(versions, key=lambda p: [int(n) for n in re.findall(r"\d+", p)], reverse=True)
    for folder in folders:
        paths = {name: os.path.join(folder, name) for name in BINARIES}
        if folder and all(os.access(p, os.X_OK) for p in paths.values()):
            return paths
    on_path = {name: shutil.which(name) for name in BINARIES}
    if all(on_path.values()):
        return {name: str(p) for name, p in on_path.items()}
    return None


def free_port() -> int:
    """A port the kernel just gave out and took back; `start()` retries if another process wins it."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _alive(pid: int) -> bool:
    """Whether pid runs. A zombie does not count: pg_ctl leaves the server an orphan, and a container's PID 1
    may reap it late or never."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rpartition(")")[2].split()[0] != "Z"


def kill_postmaster(data: Path, grace_s: float = 5.0) -> None:
    """The last resort when pg_ctl cannot stop the server: the PID in postmaster.pid gets SIGQUIT (immediate
    shutdown: the postmaster takes its backends down with it), then SIGKILL. The PID is checked against the
    data folder first so a stale file never gets an unrelated process killed."""
    try:
        pid = int((data / "postmaster.pid").read_text().split("\n", 1)[0])
    except (OSError, ValueError):
        return
    if Path("/proc/self").exists():  # elsewhere (macOS) the check is skipped
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
        except OSError:
            return
        if str(data) not in cmdline:
            return
    for sig in (signal.SIGQUIT, signal.SIGKILL):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + grace_s
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        if not _alive(pid):
            return


class PgCluster:
    """One PostgreSQL server for one test session. `skip_reason` is set (and `start()` refuses) when the
    server cannot run here; otherwise `start()`, then `url()` / `create_database()`, and `stop()` at the end.
    `stop_immediate()` and `restart()` let a test crash the server and bring it back."""

    def __init__(self) -> None:
        self.bin = find_binaries()
        self.skip_reason: str | None = None
        self.run_as: str | None = None
        if self.bin is None:
            self.skip_reason = (
                "PostgreSQL server binaries (initdb, pg_ctl, postgres) not found via pg_config --bindir, "
                "/usr/lib/postgresql/*/bin or PATH; install the `postgresql` package"
            )
        elif os.geteuid() == 0:
            # initdb, pg_ctl and postgres refuse to run as root.
            try:
                pwd.getpwnam("postgres")
                self.run_as = "postgres"
            except KeyError:
                self.skip_reason = "running as root and there is no `postgres` user to run the server as"
            if not shutil.which("runuser"):
                self.skip_reason = "running as root and there is no `runuser` to run the server as `postgres`"
        self.dir: Path | None = None
        self.port = 0
        self.running = False
        self._watchdog: subprocess.Popen[bytes] | None = None

    @property
    def data(self) -> Path:
        assert self.dir is not None, "PgCluster not started"
        return self.dir / "data"

    def start(self) -> None:
        """A fresh cluster in a new folder, started on a free port, with the database `labelassist`."""
        if self.skip_reason or self.bin is None:
            raise RuntimeError(self.skip_reason)
        # Under /tmp, not $TMPDIR: the `postgres` user must be able to reach it, and the Unix socket path
        # must stay under ~100 bytes.
        self.dir = Path(tempfile.mkdtemp(prefix="labelassist-pg-", dir="/tmp"))
        atexit.register(self.stop)
        self._watchdog = subprocess.Popen(
            [sys.executable, __file__, str(self.dir)],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # a Ctrl-C to the test run must not kill the watchdog before it cleans up
        )
        try:
            self._create_and_start()
        except BaseException:
            self.stop()
            raise

    def _create_and_start(self) -> None:
        assert self.bin is not None and self.dir is not None
        (self.dir / "socket").mkdir()
        if self.run_as:
            pw = pwd.getpwnam(self.run_as)
            for path in (self.dir, self.dir / "socket"):
                os.chown(path, pw.pw_uid, pw.pw_gid)
        # -N only skips initdb's own final sync of the files it wrote; the server keeps fsync on, so what a
        # crash test sees is what a real server does.
        self._run(
            self.bin["initdb"],
            "-D",
            str(self.data),
            "--auth=trust",
            f"--username={USER}",
            "--locale=C",
            "--encoding=UTF8",
            "-N",
        )
        for attempt in range(5):
            self.port = free_port()
            logged = len(self.log())
            try:
                self._start_server()
                break
            except RuntimeError:
                # Another process may have bound the port between free_port() and the server's bind.
                if attempt == 4 or "could not bind" not in self.log()[logged:]:
                    raise
        self.create_database(DEFAULT_DB)

    def url(self, dbname: str = DEFAULT_DB, **params: str | int) -> str:
        """postgresql://labelassist@127.0.0.1:PORT/dbname, with `params` as the query string."""
        query = f"?{urlencode(params)}" if params else ""
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{dbname}{query}"

    def create_database(self, name: str) -> str:
        """Creates the database `name` and returns its URL."""
        import psycopg
        from psycopg import sql

        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.url(name)

    def drop_database(self, name: str) -> None:
        """Drops the database `name`, cutting connections a test left open (FORCE needs PostgreSQL 13+):
        each database costs several MB of disk, and a session creates one per test."""
        import psycopg
        from psycopg import sql

        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))

    def stop_immediate(self) -> None:
        """Like a crash: no checkpoint, open connections cut; the next start replays the WAL."""
        self._stop("immediate")

    def restart(self) -> None:
        """Starts the server again on the same port and data folder, waiting until it accepts connections."""
        if self.running:
            self._stop("fast")
        self._start_server()

    def stop(self) -> None:
        """Fast shutdown, then the folder is removed. Safe to call twice, and on a cluster never started."""
        if self.dir is None:
            return
        if self.running:
            self._stop("fast")
        kill_postmaster(self.data)  # a server pg_ctl lost track of, e.g. a start that timed out
        shutil.rmtree(self.dir, ignore_errors=True)
        self.dir = None
        atexit.unregister(self.stop)
        if self._watchdog is not None:
            self._watchdog.stdin.close()  # type: ignore[union-attr]
            self._watchdog.wait(timeout=10)
            self._watchdog = None

    def log(self) -> str:
        """The server log, to explain a failed start."""
        try:
            return (self.dir / "server.log").read_text(errors="replace")  # type: ignore[operator]
        except OSError:
            return ""

    def _start_server(self) -> None:
        assert self.bin is not None and self.dir is not None
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.dir / 'socket'} -c max_connections=200"
        )
        try:
            self._run(
                self.bin["pg_ctl"],
                "-D",
                str(self.data),
                "-l",
                str(self.dir / "server.log"),
                "-w",
                "-t",
                str(START_TIMEOUT_S),
                "-o",
                options,
                "start",
            )
            self._wait_accepting()
        except RuntimeError as error:
            kill_postmaster(self.data)
            raise RuntimeError(f"{error}\n--- server log ---\n{self.log()[-4000:]}") from None
        self.running = True

    def _wait_accepting(self) -> None:
        """pg_ctl -w already waits for the postmaster to say it is ready; a real connection proves it."""
        import psycopg

        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            try:
                psycopg.connect(self.url("postgres"), connect_timeout=5).close()
                return
            except psycopg.OperationalError as error:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"PostgreSQL does not accept connections: {error}") from None
                time.sleep(0.1)

    def _stop(self, mode: str) -> None:
        assert self.bin is not None
        self.running = False
        try:
            self._run(self.bin["pg_ctl"], "-D", str(self.data), "-m", mode, "-w", "-t", "30", "stop")
        except RuntimeError:
            kill_postmaster(self.data)

    def _run(self, *argv: str) -> None:
        """Runs a PostgreSQL program, as the `postgres` user when we are root; raises with its output."""
        command = ["runuser", "-u", self.run_as, "--", *argv] if self.run_as else list(argv)
        # cwd: the postgres user may not be allowed into the test run's working folder.
        done = subprocess.run(command, cwd=self.dir, capture_output=True, text=True, start_new_session=True)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)} failed ({done.returncode}):\n{done.stdout}{done.stderr}")


if __name__ == "__main__":
    # The watchdog: wait until the test process is gone (the pipe closes), then leave nothing behind.
    folder = Path(sys.argv[1])
    sys.stdin.buffer.read()
    kill_postmaster(folder / "data")
    shutil.rmtree(folder, ignore_errors=True)
