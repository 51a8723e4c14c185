"""A real `functions-framework` server process on 127.0.0.1 and a free port, stopped after."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from typing import Any

APP = Path(__file__).resolve().parent / "app" / "main.py"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def executable() -> str:
    """The functions-framework command of this interpreter's environment."""
    beside = Path(sys.executable).with_name("functions-framework")
    found = str(beside) if beside.exists() else shutil.which("functions-framework")
    if not found:
        raise RuntimeError("functions-framework is not installed: pip install -e '.[dev]'")
    return found


class Server:
    """`functions-framework --source main.py --target handler --port N` with extra environment."""

    def __init__(self, env: Mapping[str, str], log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log
        environment = {k: v for k, v in os.environ.items() if not k.startswith(("PORTSIDE_", "FUNCTION_"))}
        environment.update(env)
        self._log = log.open("wb")
        self.process = subprocess.Popen(
            [executable(), "--source", str(APP), "--target", "handler", "--host", "127.0.0.1",
             "--port", str(self.port)],
            cwd=APP.parent, env=environment, stdout=self._log, stderr=subprocess.STDOUT,
        )
        self._wait()

    def _wait(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"functions-framework exited ({self.process.returncode}):\n{self.log()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"functions-framework did not listen within 60 s:\n{self.log()}")

    def log(self) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")[-4000:]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self._log.close()

    def request(
        self, method: str, path: str, body: bytes = b"", headers: Mapping[str, str] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        request = urllib.request.Request(self.url + path, data=body or None, method=method,
                                         headers=dict(headers or {}))
        try:
            with urllib.request.urlopen(request, timeout=30) as reply:
                return reply.status, {k.lower(): v for k, v in reply.headers.items()}, reply.read()
        except urllib.error.HTTPError as error:
            return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()

    def seen(self) -> list[dict[str, Any]]:
        status, _, body = self.request("GET", "/seen")
        assert status == 200, body
        found: list[dict[str, Any]] = json.loads(body)
        return found
