"""`changple serve --workers N`: granian's supported server with N worker processes, each building the
app from the environment. More than one needs granian, the SQL storage and Redis (else exit 2 and one
sentence); with several, /metrics sums what every process counted."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from changple_adapters.local.clock import SystemClock
from changple_adapters.sql.engine import create_engine_for, create_session_factory
from changple_adapters.sql.unit_of_work import SqlUnitOfWork
from changple_domain.model.access import Scope
from changple_domain.use_cases.service_tokens import create_service_token
from tests.entrypoints.test_auth_flow import redis_postgres_overrides  # noqa: F401 - the fixture
from tests.entrypoints.test_serve import PATIENT, _free_port, _start_serve, _wait_until_healthy

REDIS_URL = "redis://127.0.0.1:6379/0"
SENT = 60  # each on a connection of its own, so the kernel spreads them over both workers


def _refusal(
    tmp_path: Path, *, env: dict[str, str], command: str = "serve", args: list[str]
) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CHANGPLE_")}
    command_line = [sys.executable, "-m", "changple_entrypoints", command, "--data-dir", str(tmp_path), *args]
    return subprocess.run(command_line, env={**clean, **env}, capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.parametrize(
    ("args", "env", "advice"),
    [
        (["--workers", "2", "--server", "uvicorn"], {"CHANGPLE_REDIS_URL": REDIS_URL}, "needs granian"),
        (["--workers", "3"], {"CHANGPLE_STORAGE": "memory", "CHANGPLE_REDIS_URL": REDIS_URL}, "STORAGE=memory"),
        ([], {"CHANGPLE_HTTP_WORKERS": "2"}, "needs CHANGPLE_REDIS_URL"),
    ],
)
def test_several_workers_are_refused_where_processes_would_not_share_state(
    tmp_path: Path, args: list[str], env: dict[str, str], advice: str
) -> None:
    result = _refusal(tmp_path, env=env, args=args)
    assert result.returncode == 2, result.stdout + result.stderr
    message = " ".join(result.stderr.split())
    assert advice in message
    assert "serve one worker" in message
    assert message.count(".") <= 2  # one sentence (a file name may hold a dot), no traceback
    assert "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []  # refused before the embedded database was made


def test_one_granian_worker_starts_without_the_experimental_warning(tmp_path: Path) -> None:
    port = _free_port()
    process = _start_serve(tmp_path, port)
    try:
        _wait_until_healthy(f"http://127.0.0.1:{port}", process)
    finally:
        process.send_signal(signal.SIGINT)
        code = process.wait(timeout=60)
    output = process.stdout.read() if process.stdout else ""
    assert code == 0, output
    assert "Spawning worker-1" in output
    assert "experimental" not in output.lower()
    assert "Granian shutdown completed" in output


@pytest.fixture
def shared_services(request: pytest.FixtureRequest) -> dict[str, str]:
    """A fresh migrated Postgres database with a `metrics` token, and a Redis namespace of its own."""
    overrides: dict[str, Any] = request.getfixturevalue("redis_postgres_overrides")
    url = overrides["database_url"]
    engine = create_engine_for(url)
    uow = SqlUnitOfWork(create_session_factory(engine))
    _, token = create_service_token("prometheus", frozenset({Scope.METRICS}), uow=uow, clock=SystemClock())
    engine.dispose()
    env = {f"CHANGPLE_{name.upper()}": str(value) for name, value in overrides.items()}
    return env | {"metrics_token": token}


def _children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
            if parent == pid:
                found.add(int(entry.name))
    return found


def _readiness_requests_counted(metrics_text: str) -> float:
    """Every process's count of GET /api/health/ready, summed (the wait for start-up uses /api/health)."""
    pattern = re.compile(r"^changple_requests_total\{([^}]*)\} (\S+)$", re.MULTILINE)
    return sum(float(value) for labels, value in pattern.findall(metrics_text) if 'path="/api/health/ready"' in labels)


@pytest.mark.postgres
@pytest.mark.redis
def test_two_workers_answer_and_metrics_sum_both(tmp_path: Path, shared_services: dict[str, str]) -> None:
    token = shared_services.pop("metrics_token")
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    process = _start_serve(tmp_path, port, env={**shared_services, "CHANGPLE_HTTP_WORKERS": "2"})
    assert process.stdout is not None
    try:
        printed = []
        while not any("counted in" in line for line in printed):
            line = process.stdout.readline()
            assert line, "the server stopped before it started:\n" + "".join(printed)
            printed.append(line)
        folder = Path(next(line for line in printed if "counted in" in line).rsplit("counted in ", 1)[1].strip())
        _wait_until_healthy(base, process)
        for _ in range(SENT):
            assert httpx.get(f"{base}/api/health/ready", timeout=PATIENT).status_code == 200  # a new connection each
        workers = _children(process.pid)
        assert len(workers) == 2
        counted_by = {int(m.group(1)) for f in folder.iterdir() if (m := re.match(r"counter_(\d+)\.db$", f.name))}
        assert workers <= counted_by  # both workers answered and counted into the shared folder
        answer = httpx.get(f"{base}/metrics", headers={"Authorization": f"Bearer {token}"}, timeout=PATIENT)
        assert answer.status_code == 200, answer.text
        assert _readiness_requests_counted(answer.text) == SENT
    finally:
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=60)
    output = "".join(printed) + process.stdout.read()
    assert code == 0, output
    assert "in 2 processes" in output
    assert output.count("Stopped worker-") == 2
    assert "experimental" not in output.lower()
    assert not folder.exists()  # the fresh folder goes with the server
    assert not any(pid_alive(pid) for pid in workers)


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_demo_then_serve_answers_from_the_store_the_demo_filled(tmp_path: Path) -> None:
    """The worker process serves what the demo wrote in the data directory; the demo has used LanceDB
    in the command's process, so the worker starts afresh (spawned) rather than forked from it."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHANGPLE_")}
    command = [sys.executable, "-m", "changple_entrypoints", "demo", "--serve", "--port", str(port)]
    process = subprocess.Popen(
        [*command, "--data-dir", str(tmp_path)], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        _wait_until_healthy(f"http://127.0.0.1:{port}", process, seconds=180)
        for _ in range(3):  # a forked worker used to die on its first search now and then
            found = httpx.get(f"http://127.0.0.1:{port}/api/v1/search/", params={"q": "가맹 계약"}, timeout=PATIENT)
            assert found.status_code == 200, found.text
            assert found.json()["items"], "the demo's posts are searchable in the server"
    finally:
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=60)
    output = process.stdout.read() if process.stdout else ""
    assert code == 0, output
    assert "experimental" not in output.lower(), output  # neither granian's warning nor LanceDB's about fork


def test_demo_refuses_to_serve_a_memory_store_it_cannot_share(tmp_path: Path) -> None:
    result = _refusal(tmp_path, env={"CHANGPLE_STORAGE": "memory"}, command="demo", args=["--serve"])
    assert result.returncode == 2, result.stdout + result.stderr
    message = " ".join(result.stderr.split())
    assert "unset CHANGPLE_STORAGE or set CHANGPLE_HTTP_SERVER=uvicorn" in message
    assert "search:" not in result.stdout  # refused before the demo ran


def test_an_operators_metrics_folder_is_used_and_left_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from changple_entrypoints.http.serving import request_metrics_shared

    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    with request_metrics_shared(1) as folder:
        assert folder is None  # one process: the default registry
        assert "PROMETHEUS_MULTIPROC_DIR" not in os.environ
    chosen = tmp_path / "metrics"
    chosen.mkdir()
    (chosen / "counter_1.db").write_bytes(b"")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(chosen))
    with request_metrics_shared(2) as folder:
        assert folder == chosen
    assert os.environ["PROMETHEUS_MULTIPROC_DIR"] == str(chosen)
    assert (chosen / "counter_1.db").exists()
