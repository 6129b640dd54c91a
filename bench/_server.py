"""Start and stop a real Streamlit server on a free loopback port (browser tests and benchmarks).

    with running("app.py") as srv:          # waits for /_stcore/health
        print(srv.url, srv.rss_bytes())      # e.g. http://127.0.0.1:41234
    # terminated (then killed if it lingers) on exit

The server listens on 127.0.0.1 only, never watches files and never gathers usage statistics;
its output goes to a log file so a failing test can show the server's side of the story.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"


def free_port() -> int:
    """A TCP port nobody listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    """A running ``streamlit run`` process: its port, process and log file."""

    proc: subprocess.Popen
    port: int
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def pid(self) -> int:
        return self.proc.pid

    def rss_bytes(self) -> int:
        """Resident memory of the server process (from /proc; 0 where /proc is missing)."""
        return rss_bytes(self.proc.pid)

    def cpu_seconds(self) -> float:
        """User + system CPU time the server process has used so far."""
        return cpu_seconds(self.proc.pid)

    def log_tail(self, n: int = 60) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""


def rss_bytes(pid: int) -> int:
    """VmRSS of a process in bytes, read from /proc/<pid>/status (Linux)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process in seconds, from /proc/<pid>/stat (Linux; 0.0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["BROWSER_GATHER_USAGE_STATS"] = "false"
    env["STREAMLIT_BROWSER_GATHER_USAGE_STATS"] = "false"
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


def start(script: str = "app.py", *, port: int | None = None, log_path: Path | None = None,
          extra_args: Sequence[str] = (), timeout: float = 90.0, env: dict[str, str] | None = None) -> Server:
    """Start ``streamlit run script`` (cwd = repo root) and wait until /_stcore/health answers ok."""
    port = port or free_port()
    if log_path is None:
        fd, name = tempfile.mkstemp(prefix=f"streamlit-{port}-", suffix=".log")
        os.close(fd)
        log_path = Path(name)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "streamlit", "run", script, "--server.headless", "true",
           "--server.port", str(port), "--server.address", HOST, "--browser.gatherUsageStats", "false",
           "--server.fileWatcherType", "none", "--server.runOnSave", "false", *extra_args]
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(cmd, cwd=ROOT, env={**_env(), **(env or {})}, stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL)
    srv = Server(proc, port, log_path)
    try:
        wait_healthy(srv, timeout)
    except BaseException:
        stop(srv)
        raise
    return srv


def wait_healthy(srv: Server, timeout: float) -> None:
    """Poll /_stcore/health until it says ok; raise (with the server's log) if it dies or times out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if srv.proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with code {srv.proc.returncode}:\n{srv.log_tail()}")
        try:
            with urllib.request.urlopen(f"{srv.url}/_stcore/health", timeout=2) as r:
                if r.status == 200 and r.read().strip() == b"ok":
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            pass
        time.sleep(0.2)
    raise TimeoutError(f"streamlit did not become healthy within {timeout:.0f} s:\n{srv.log_tail()}")


def stop(srv: Server, grace: float = 10.0) -> None:
    """Terminate the server (SIGTERM), then kill it if it has not exited after ``grace`` seconds."""
    if srv.proc.poll() is not None:
        return
    srv.proc.terminate()
    try:
        srv.proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        srv.proc.kill()
        srv.proc.wait(timeout=grace)


@contextmanager
def running(script: str = "app.py", **kw) -> Iterator[Server]:
    """``start`` on entry, ``stop`` on exit (also on errors and Ctrl-C)."""
    srv = start(script, **kw)
    try:
        yield srv
    finally:
        stop(srv)
