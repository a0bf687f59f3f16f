"""A real `formservice serve` process for tests over HTTP, and the `formservice` CLI run
against the same settings.

    with running_server(tmp_path, database_url=url) as server:
        server.cli("users", "create", "anna", "--role", "staff", "--institution", "A",
                   "--password-stdin", input="en-lang-adgangskode\\n")
        requests.get(server.url("/healthz"), timeout=5)

The server gets a free port on 127.0.0.1 and its own instance folder; it is always
terminated when the block ends, and its output is kept in a log file that a failing
start or test shows.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

START_TIMEOUT = 30.0


def formservice_command() -> list[str]:
    """The installed console script next to this Python, else the module."""
    script = Path(sys.executable).parent / "formservice"
    if script.exists():
        return [str(script)]
    found = shutil.which("formservice")
    if found and "shims" not in found:
        return [found]
    return [sys.executable, "-m", "formservice.cli"]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(instance: Path, database_url: str | None = None, extra: dict | None = None) -> dict:
    """The environment of the server and of the CLI calls that share its database."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith("FORMSERVICE_") and key not in ("DATABASE_URL", "SECRET_KEY")}
    env["FORMSERVICE_INSTANCE"] = str(instance)
    env["FORMSERVICE_INSECURE_COOKIES"] = "1"  # plain http on 127.0.0.1
    env["PYTHONUNBUFFERED"] = "1"
    if database_url:
        env["DATABASE_URL"] = database_url
    env.update(extra or {})
    return env


@dataclass
class RunningServer:
    base_url: str
    process: subprocess.Popen
    env: dict
    log_path: Path
    instance: Path
    cli_calls: list = field(default_factory=list)

    def url(self, path: str) -> str:
        return self.base_url + path

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def cli(self, *args: str, input: str | None = None, check: bool = True,
            timeout: float = 60) -> subprocess.CompletedProcess:
        return run_cli(self.env, *args, input=input, check=check, timeout=timeout)


def run_cli(env: dict, *args: str, input: str | None = None, check: bool = True,
            timeout: float = 60) -> subprocess.CompletedProcess:
    result = subprocess.run(formservice_command() + list(args), env=env, input=input,
                            capture_output=True, text=True, timeout=timeout, check=False)
    if check and result.returncode != 0:
        raise AssertionError(f"formservice {' '.join(args)} exited {result.returncode}:\n"
                             f"{result.stdout}\n{result.stderr}")
    return result


def wait_until_healthy(base_url: str, process: subprocess.Popen, log_path: Path,
                       timeout: float = START_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"formservice serve exited with {process.returncode}:\n"
                               + log_path.read_text(errors="replace"))
        try:
            response = requests.get(base_url + "/healthz", timeout=2)
            if response.status_code == 200 and response.json() == {"status": "ok"}:
                return
        except (requests.ConnectionError, requests.Timeout, ValueError):
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"formservice serve did not answer /healthz within {timeout} s:\n"
                               + log_path.read_text(errors="replace"))
        time.sleep(0.1)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@contextlib.contextmanager
def running_server(folder: Path, *, database_url: str | None = None, env: dict | None = None,
                   threads: int = 8, timeout: float = START_TIMEOUT):
    """`formservice serve` on a free port with `folder`/instance as its instance folder;
    without database_url it uses its embedded default (SQLite in the instance folder)."""
    folder = Path(folder)
    instance = folder / "instance"
    environment = server_env(instance, database_url, env)
    for attempt in range(3):  # the free port may be taken between choosing and binding it
        port = free_port()
        log_path = folder / f"server-{port}.log"
        with open(log_path, "wb") as log:
            process = subprocess.Popen(
                formservice_command() + ["serve", "--host", "127.0.0.1", "--port", str(port),
                                         "--threads", str(threads)],
                env=environment, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        try:
            wait_until_healthy(f"http://127.0.0.1:{port}", process, log_path, timeout)
            break
        except RuntimeError:
            stop(process)
            if attempt == 2 or "already in use" not in log_path.read_text(errors="replace"):
                raise
    server = RunningServer(f"http://127.0.0.1:{port}", process, environment, log_path, instance)
    try:
        yield server
    finally:
        stop(process)
