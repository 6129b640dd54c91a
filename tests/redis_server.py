"""A real redis-server for tests: started on a free port in a temporary folder, stopped after."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from bench._server import free_port

REDIS = shutil.which("redis-server") or "/usr/bin/redis-server"


@dataclass
class RedisServer:
    port: int
    folder: Path
    proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        # append-only file on: a restarted server finds its rooms again, as a deployed one would
        self.proc = subprocess.Popen([REDIS, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.folder),
                                      "--appendonly", "yes", "--save", "", "--protected-mode", "yes"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        import redis

        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if redis.Redis(port=self.port, socket_timeout=0.5).ping():
                    return
            except redis.exceptions.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
        self.proc = None


def redis_or_skip() -> None:
    if not os.access(REDIS, os.X_OK):
        if os.environ.get("CI"):
            pytest.fail(f"redis-server is required with CI set (not found at {REDIS}); .ci/run installs it")
        pytest.skip("redis-server not installed (Debian: apt-get install redis-server)")


@pytest.fixture
def redis_server(tmp_path):
    redis_or_skip()
    srv = RedisServer(free_port(), tmp_path)
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()
