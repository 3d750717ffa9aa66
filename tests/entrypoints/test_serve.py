"""`changple serve` as a real process on a loopback port, answered over real HTTP."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

SECRET = "f3a9c2e7b1d4"
# A request's answer may take seconds on a loaded machine (the first console page imports the
# offline embedder): wait for it rather than fail. Speed is measured in bench/, never here.
PATIENT = httpx.Timeout(120.0)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start_serve(
    tmp_path: Path, port: int, server: str = "granian", *, umask: int = -1, env: dict[str, str] | None = None
) -> subprocess.Popen[str]:
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("CHANGPLE_")}, **(env or {})}
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "changple_entrypoints",
            "serve",
            "--port",
            str(port),
            "--server",
            server,
            "--data-dir",
            str(tmp_path),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        umask=umask,
    )


def _wait_until_healthy(base: str, process: subprocess.Popen[str], *, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert process.poll() is None, process.stdout.read() if process.stdout else ""
        assert time.monotonic() < deadline, f"the server did not come up in {seconds:g} s"
        time.sleep(0.2)


@pytest.mark.parametrize("server", ["granian", "uvicorn"])
def test_serve_answers_health_and_readiness(tmp_path: Path, server: str) -> None:
    port = _free_port()
    process = _start_serve(tmp_path, port, server)
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_until_healthy(base, process)
        ready = httpx.get(f"{base}/api/health/ready", timeout=PATIENT)
        assert ready.status_code == 200
        assert ready.json()["checks"] == {"database": "sqlite", "broker": "embedded"}
        assert (tmp_path / "changple.db").exists()
        # The access log shows requests, but never the OAuth code or state of a login callback.
        callback = httpx.get(
            f"{base}/api/v1/auth/naver/callback/?code=code-{SECRET}&state=state-{SECRET}&x=1", timeout=PATIENT
        )
        assert callback.json()["error"] == "state_mismatch"  # this browser started no login
    finally:
        process.terminate()
        process.wait(timeout=30)
    output = process.stdout.read() if process.stdout else ""
    assert f"with {server}" in output
    # Both servers log the path Litestar routed, with the query masked.
    assert "/api/v1/auth/naver/callback?code=***&state=***&x=1" in output
    assert SECRET not in output


def test_serve_prints_a_one_time_console_link_that_stays_out_of_the_log(tmp_path: Path) -> None:
    port = _free_port()
    process = _start_serve(tmp_path, port)
    assert process.stdout is not None
    try:
        printed = []
        link = None
        while link is None:
            line = process.stdout.readline()
            assert line, "the server stopped before printing a login link:\n" + "".join(printed)
            printed.append(line)
            if "/ops/login?token=" in line:
                link = line.strip()
        assert link.startswith(f"http://127.0.0.1:{port}/ops/login?token=")
        _wait_until_healthy(f"http://127.0.0.1:{port}", process)
        with httpx.Client(follow_redirects=True, timeout=PATIENT) as browser:
            signed_in = browser.get(link)  # follows the redirect to the console
            assert signed_in.status_code == 200
            assert "local admin" in signed_in.text
        assert httpx.get(link, timeout=PATIENT).status_code == 401  # once only
    finally:
        process.terminate()
        process.wait(timeout=30)
    output = "".join(printed) + process.stdout.read()
    assert "/ops/login?token=***" in output
    assert output.count(link.partition("token=")[2]) == 1  # printed once for the person, never logged


def test_serve_keeps_every_file_it_writes_owner_only(tmp_path: Path) -> None:
    """Under the usual umask 022, what `serve` writes (database and WAL, sessions, keys, locks) is
    still owner-only: the data folder holds Naver tokens and the key that seals them."""
    data = tmp_path / "data"
    port = _free_port()
    process = _start_serve(data, port, umask=0o022)
    assert process.stdout is not None
    try:
        link = None
        while link is None:
            line = process.stdout.readline()
            assert line, "the server stopped before printing a login link"
            if "/ops/login?token=" in line:
                link = line.strip()
        _wait_until_healthy(f"http://127.0.0.1:{port}", process)
        with httpx.Client(follow_redirects=True, timeout=PATIENT) as browser:
            assert browser.get(link).status_code == 200  # a session is stored now
        written = [data, *data.rglob("*")]
        assert any(path.parent.name == "sessions" for path in written)
        assert any(path.name == "changple.db-wal" for path in written)
        shared = [f"{oct(path.stat().st_mode)} {path}" for path in written if path.stat().st_mode & 0o077]
        assert shared == []
    finally:
        process.terminate()
        process.wait(timeout=30)
