"""How fast changple answers on first touch (issue 19). Prints one JSON object.

    python bench/startup.py [--runs 5] [--data-dir DIR]

Every figure is the median of `--runs` paired runs, each beside its baseline in the same loop (the
machine is shared and its speed drifts), reported with the ratio of medians:

- `cli`: `changple --help`, `authors list`, `pipeline status` and `search` against
  `python -c "import typer"` (what any Typer CLI pays before its first line);
- `serve`: seconds from `changple serve` starting to `/api/health` answering 200, then the first
  console page and the first search (each timed from the moment health answered), against a bare
  Litestar app with one route under the same server (granian);
- each of those twice: with the bytecode compiled at install (`cached`) and with none readable
  (`uncached`: an empty PYTHONPYCACHEPREFIX and PYTHONDONTWRITEBYTECODE=1, as on a machine where
  nothing was compiled).

The commands read a data directory holding the demo's store (`changple demo` is run there first
when it holds none). The load average is printed before each group."""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from http.cookiejar import CookieJar
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = ROOT / ".venv" / "bin"
CHANGPLE = str(VENV_BIN / "changple")
PYTHON = str(VENV_BIN / "python")

CLI_COMMANDS = {
    "help": ["--help"],
    "authors_list": ["authors", "list"],
    "pipeline_status": ["pipeline", "status"],
    "search": ["search", "창업 비용", "-k", "3"],
}
BARE_APP = """
from litestar import Litestar, get

@get("/api/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}

app = Litestar([health])
"""
LOGIN_LINK = re.compile(r"http://127\.0\.0\.1:\d+/ops/login\?token=[A-Za-z0-9_-]+")


def _load() -> float:
    return round(os.getloadavg()[0], 2)


def _environment(cached: bool, scratch: Path) -> dict[str, str]:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "NO_COLOR": "1", "COLUMNS": "100"}
    env.pop("PYTHONPYCACHEPREFIX", None)
    if not cached:  # a cache folder with nothing in it, which nothing may write to
        env["PYTHONPYCACHEPREFIX"] = str(scratch / f"no-bytecode-{time.monotonic_ns()}")
    return env


def _timed(command: list[str], *, env: dict[str, str], cwd: Path) -> float:
    started = time.perf_counter()
    subprocess.run(command, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - started


def _summary(ours: list[float], baseline: list[float]) -> dict[str, float]:
    mine, theirs = statistics.median(ours), statistics.median(baseline)
    return {"seconds": round(mine, 3), "baseline_seconds": round(theirs, 3), "ratio": round(mine / theirs, 2)}


def measure_cli(runs: int, *, cached: bool, data_dir: Path, scratch: Path) -> dict[str, object]:
    baseline_command = [PYTHON, "-c", "import typer"]
    figures: dict[str, object] = {"load_before": _load()}
    for name, args in CLI_COMMANDS.items():
        ours: list[float] = []
        baseline: list[float] = []
        for _ in range(runs):
            ours.append(_timed([CHANGPLE, *args], env=_environment(cached, scratch), cwd=data_dir))
            baseline.append(_timed(baseline_command, env=_environment(cached, scratch), cwd=data_dir))
        figures[name] = _summary(ours, baseline)
    return figures


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _until_healthy(base: str, process: subprocess.Popen[bytes], deadline_seconds: float = 120) -> None:
    deadline = time.monotonic() + deadline_seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode} before it answered")
        try:
            with urllib.request.urlopen(f"{base}/api/health", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.02)
    raise RuntimeError("the server did not answer /api/health in time")


def _serve_once(command: list[str], *, env: dict[str, str], cwd: Path, port: int, log: Path) -> dict[str, float]:
    """Start `command`, time until health answers, then (for changple) the first console page and
    the first search, each from the moment health answered."""
    base = f"http://127.0.0.1:{port}"
    with log.open("wb") as output:
        started = time.perf_counter()
        process = subprocess.Popen(command, env=env, cwd=cwd, stdout=output, stderr=subprocess.STDOUT)
        try:
            _until_healthy(base, process)
            figures = {"ready": time.perf_counter() - started}
            link = LOGIN_LINK.search(log.read_text(encoding="utf-8", errors="replace"))
            if link is not None:
                figures["first_console_page"] = _first(lambda: _console_page(link.group(0)))
                figures["first_search"] = _first(lambda: _get(f"{base}/api/v1/search/?q=%EC%B0%BD%EC%97%85"))
            return figures
        finally:
            process.terminate()
            process.wait(timeout=30)


def _first(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def _get(url: str) -> None:
    with urllib.request.urlopen(url, timeout=60) as response:
        response.read()


def _console_page(login_url: str) -> None:
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
    with opener.open(login_url, timeout=60) as response:  # the login redirects to /ops
        response.read()


def measure_serve(runs: int, *, cached: bool, data_dir: Path, scratch: Path) -> dict[str, object]:
    app_dir = scratch / "bare_app"
    app_dir.mkdir(exist_ok=True)
    (app_dir / "bare_app.py").write_text(BARE_APP, encoding="utf-8")
    ours: list[dict[str, float]] = []
    baseline: list[float] = []
    for run in range(runs):
        port = _free_port()
        env = _environment(cached, scratch)
        serve = [CHANGPLE, "serve", "--port", str(port)]
        ours.append(_serve_once(serve, env=env, cwd=data_dir, port=port, log=scratch / f"serve-{run}.log"))
        port = _free_port()
        granian = str(VENV_BIN / "granian")
        bare = [granian, "--interface", "asgi", "--host", "127.0.0.1", "--port", str(port), "bare_app:app"]
        baseline.append(_serve_once(bare, env=env, cwd=app_dir, port=port, log=scratch / f"bare-{run}.log")["ready"])
    figures: dict[str, object] = {"load_before": _load(), "ready": _summary([f["ready"] for f in ours], baseline)}
    for name in ("first_console_page", "first_search"):
        values = [f[name] for f in ours if name in f]
        if values:
            figures[name] = {"seconds": round(statistics.median(values), 3)}
    return figures


def _demo_store(data_dir: Path) -> None:
    if not (data_dir / ".changple" / "changple.db").is_file():
        data_dir.mkdir(parents=True, exist_ok=True)
        subprocess.run([CHANGPLE, "demo"], cwd=data_dir, stdout=subprocess.DEVNULL, check=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--data-dir", type=Path, help="a folder whose ./.changple holds the demo's store")
    parser.add_argument("--only", choices=["cli", "serve"], help="one group only")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="changple-startup-") as tmp:
        scratch = Path(tmp)
        data_dir = args.data_dir or scratch / "demo"
        _demo_store(data_dir)
        report: dict[str, object] = {"runs": args.runs, "cores": os.cpu_count()}
        for cached in (True, False):
            label = "cached" if cached else "uncached"
            if args.only in (None, "cli"):
                report[f"cli_{label}"] = measure_cli(args.runs, cached=cached, data_dir=data_dir, scratch=scratch)
            if args.only in (None, "serve"):
                report[f"serve_{label}"] = measure_serve(args.runs, cached=cached, data_dir=data_dir, scratch=scratch)
    json.dump(report, sys.stdout, indent=1, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
