"""HTTP throughput of one API process: `changple serve` on a loopback port, Postgres behind it,
Redis for the queue and the session store, and wrk driving load from its own process. Prints one
JSON object: per server and endpoint, requests/s, p50/p90/p99 latency (ms), errors and non-2xx
answers, and the CPU seconds the server process used.

    python bench/http_load.py [--server granian|uvicorn|both] [--workers 1,2] [--seconds 10] [--connections 32]
                              [--runs 2] [--endpoints health,columns,ingest]

`--workers` lists the `changple serve --workers` counts to measure, in that order (granian only
above 1); each server and count is reported under `servers` as `granian` (one worker) or
`granian x2`. The CPU figures then add up every worker process.

It creates a scratch Postgres database (dropped afterwards), migrates it, seeds 200 published
columns and an admin service token, and uses a Redis namespace of its own (deleted afterwards).
Needs wrk: `apt-get install -y wrk`."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import redis

sys.path.insert(0, str(Path(__file__).resolve().parent))

from storage import scratch_database

from changple_adapters.local.clock import SystemClock
from changple_adapters.sql.engine import create_engine_for, create_session_factory
from changple_adapters.sql.migrations import upgrade_database
from changple_adapters.sql.unit_of_work import SqlUnitOfWork
from changple_domain.model.access import Scope
from changple_domain.model.content import ContentState, NewContent
from changple_domain.use_cases.service_tokens import create_service_token

SERVERS = ("granian", "uvicorn")
COLUMNS = 200
DESCRIPTION = "보증금과 월세, 권리금까지: 첫 매장을 열기 전에 꼭 따져 봐야 할 숫자들을 창플지기가 정리했습니다. "
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

# One script per endpoint: the request, and a count of every answer outside 2xx (wrk's own
# "errors.status" counts only 4xx/5xx, and a fast 401 must never pass for a success).
WRK_SCRIPT = """
wrk.method = "{method}"
{body}
{headers}
local threads = {{}}
function setup(thread) table.insert(threads, thread) end
function init(args) non2xx = 0 end
function response(status, headers, body)
  if status < 200 or status > 299 then non2xx = non2xx + 1 end
end
function done(summary, latency, requests)
  local bad = 0
  for _, t in ipairs(threads) do bad = bad + t:get("non2xx") end
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {{"requests":%d,"duration_us":%d,"connect":%d,"read":%d,"write":%d,"status":%d,' ..
    '"timeout":%d,"non2xx":%d,"p50":%d,"p90":%d,"p99":%d,"max":%d}}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout, bad,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
"""


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    path: str
    body: str | None = None
    admin: bool = False

    def script(self, token: str) -> str:
        headers = ['wrk.headers["Content-Type"] = "application/json"'] if self.body is not None else []
        if self.admin:
            headers.append(f'wrk.headers["Authorization"] = "Bearer {token}"')
        body = f"wrk.body = {json.dumps(self.body)}" if self.body is not None else ""
        return WRK_SCRIPT.format(method=self.method, body=body, headers="\n".join(headers))


ENDPOINTS = (
    Endpoint("health", "GET", "/api/health"),
    Endpoint("columns", "GET", "/api/v1/content/columns/"),
    Endpoint("ingest", "POST", "/api/v1/scraper/ingest/", body="{}", admin=True),
)


def seed(url: str) -> str:
    """200 published columns (with thumbnails, pages and images, as uploads leave them) and an
    admin service token, whose text is returned."""
    upgrade_database(url)
    engine = create_engine_for(url)
    uow = SqlUnitOfWork(create_session_factory(engine))
    start = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
    with uow:
        for i in range(1, COLUMNS + 1):
            created = start + timedelta(hours=i)
            new = NewContent(
                title=f"[창플 칼럼] 상권 분석과 창업 비용 {i}편",
                description=DESCRIPTION * (1 + i % 3),
                is_preferred=i % 7 == 0,
                upload_key=f"content/{i}/upload.zip",
                created_at=created,
            )
            added = uow.contents.add(new)
            uow.contents.save(
                added.model_copy(
                    update={
                        "state": ContentState.PUBLISHED,
                        "upload_key": None,
                        "plain_text": DESCRIPTION * 20,
                        "html_key": f"content/{added.id}/page.html",
                        "thumbnail_key": f"content/{added.id}/thumbnail.jpg",
                        "file_keys": tuple(f"content/{added.id}/files/image{n}.jpg" for n in range(4)),
                        "published_at": created + timedelta(minutes=5),
                        "updated_at": created + timedelta(minutes=5),
                    }
                )
            )
        uow.commit()
    _, token = create_service_token("bench-admin", frozenset({Scope.ADMIN}), uow=uow, clock=SystemClock())
    engine.dispose()
    return token


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """User + system CPU of the process and every descendant still running."""
    stats: dict[int, tuple[int, float]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        stats[int(entry.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / CLOCK_TICKS)
    total, family = 0.0, {pid}
    for child, (parent, _) in sorted(stats.items()):
        if parent in family:
            family.add(child)
    for member in family:
        total += stats.get(member, (0, 0.0))[1]
    return total


def start_server(
    server: str, *, workers: int, database_url: str, redis_url: str, namespace: str, data_dir: Path
) -> tuple[Any, str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHANGPLE_")}
    env |= {
        "CHANGPLE_DATABASE_URL": database_url,
        "CHANGPLE_REDIS_URL": redis_url,
        "CHANGPLE_REDIS_NAMESPACE": namespace,
        "CHANGPLE_HTTP_WORKERS": str(workers),
    }
    log = (data_dir / f"{server}.log").open("w")
    command = [sys.executable, "-m", "changple_entrypoints", "serve", "--host", "127.0.0.1", "--port", str(port)]
    process = subprocess.Popen(
        [*command, "--server", server, "--data-dir", str(data_dir)], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{base}/api/health/ready", timeout=2) as answer:
                if answer.status == 200:
                    return process, base
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise SystemExit(f"{server} did not become ready; see {data_dir / f'{server}.log'}")
        time.sleep(0.2)


def run_wrk(base: str, endpoint: Endpoint, script: Path, *, seconds: int, connections: int, threads: int) -> dict:
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script)]
    out = subprocess.run([*command, base + endpoint.path], capture_output=True, text=True, check=True).stdout
    line = next(line for line in out.splitlines() if line.startswith("WRK_JSON "))
    raw = json.loads(line.removeprefix("WRK_JSON "))
    return raw | {"rps": raw["requests"] / (raw["duration_us"] / 1e6)}


def measure(server: str, workers: int, args: argparse.Namespace, *, database_url: str, token: str, tmp: Path) -> dict:
    namespace = f"changple-bench-{uuid.uuid4().hex[:10]}"
    data_dir = tmp / f"{server}-{workers}"
    data_dir.mkdir()
    process, base = start_server(
        server,
        workers=workers,
        database_url=database_url,
        redis_url=args.redis_url,
        namespace=namespace,
        data_dir=data_dir,
    )
    results: dict[str, Any] = {}
    try:
        for endpoint in (e for e in ENDPOINTS if e.name in args.endpoints):
            script = data_dir / f"{endpoint.name}.lua"
            script.write_text(endpoint.script(token))
            run_wrk(base, endpoint, script, seconds=2, connections=args.connections, threads=args.threads)  # warm-up
            runs = []
            for _ in range(args.runs):
                before = cpu_seconds(process.pid)
                raw = run_wrk(
                    base, endpoint, script, seconds=args.seconds, connections=args.connections, threads=args.threads
                )
                used = cpu_seconds(process.pid) - before
                errors = raw["connect"] + raw["read"] + raw["write"] + raw["timeout"]
                runs.append(
                    {
                        "rps": round(raw["rps"], 1),
                        "p50_ms": round(raw["p50"] / 1000, 2),
                        "p90_ms": round(raw["p90"] / 1000, 2),
                        "p99_ms": round(raw["p99"] / 1000, 2),
                        "max_ms": round(raw["max"] / 1000, 2),
                        "requests": raw["requests"],
                        "errors": errors,
                        "non_2xx": raw["non2xx"],
                        "server_cpu_seconds": round(used, 2),
                        "server_cpu_ms_per_request": round(1000 * used / max(raw["requests"], 1), 3),
                    }
                )
            best = max(runs, key=lambda run: run["rps"])
            results[endpoint.name] = {"method": endpoint.method, "path": endpoint.path, **best, "runs": runs}
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
        client = redis.Redis.from_url(args.redis_url)
        keys = list(client.scan_iter(match=f"{namespace}*", count=1000))
        for start in range(0, len(keys), 1000):
            client.delete(*keys[start : start + 1000])
        client.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description="HTTP throughput of one API process")
    parser.add_argument("--server", choices=[*SERVERS, "both"], default="both")
    parser.add_argument("--workers", type=lambda text: [int(n) for n in text.split(",")], default=[1])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=1, help="wrk threads (they share the machine's cores)")
    parser.add_argument("--runs", type=int, default=2, help="measured runs per endpoint; the best is reported")
    parser.add_argument("--endpoints", type=lambda text: text.split(","), default=[e.name for e in ENDPOINTS])
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: `apt-get install -y wrk` (Debian/Ubuntu), then run this again")

    servers = SERVERS if args.server == "both" else (args.server,)
    report: dict[str, Any] = {
        "cores": os.cpu_count(),
        "load_average": os.getloadavg()[0],
        "connections": args.connections,
        "seconds": args.seconds,
        "runs": args.runs,
        "columns": COLUMNS,
        "servers": {},
    }
    with scratch_database(args.database_url) as url, tempfile.TemporaryDirectory() as tmp:
        token = seed(url)
        for workers in args.workers:
            for server in servers if workers == 1 else [s for s in servers if s == "granian"]:
                name = server if workers == 1 else f"{server} x{workers}"
                report["servers"][name] = measure(server, workers, args, database_url=url, token=token, tmp=Path(tmp))
    print(json.dumps(report))


if __name__ == "__main__":
    main()
