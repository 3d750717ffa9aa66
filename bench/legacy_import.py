"""The changple2 cut-over at size: builds a changple2 database with Django (its own migrations, then
`tests/legacy/changple2_fill.py bulk N`: N posts, 80% summarized, N/5 users, N/2 chat sessions with
2N messages, N/200 columns), imports it into a fresh changple store on Postgres with
`changple legacy import`, then imports it again. Prints one JSON object per size: seconds and peak
RSS (MiB) of the first and second import, and rows carried.

    python bench/legacy_import.py [--sizes 10000 100000] [--postgres postgresql://postgres@127.0.0.1:5432/postgres]

Every database it makes (both sides) is a scratch database, dropped afterwards."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from storage import scratch_database  # noqa: E402
from tests.legacy.changple2 import ChangpleStore, changple2_database  # noqa: E402


def timed(store: ChangpleStore, *args: str) -> tuple[float, float, dict[str, Any]]:
    """Seconds, peak RSS (MiB) and the JSON report of one `changple` run in its own process."""
    output = store.data.parent / "report.json"
    began = time.perf_counter()
    with output.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "changple_entrypoints", *args, "--json", "--data-dir", str(store.data)],
            env=store.env(),
            stdout=out,
            stderr=subprocess.DEVNULL,
        )
        _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - began
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"changple {' '.join(args)} failed with exit {os.waitstatus_to_exitcode(status)}")
    return seconds, usage.ru_maxrss / 1024, json.loads(output.read_text())


def run_size(posts: int, admin_url: str) -> dict[str, Any]:
    with (
        tempfile.TemporaryDirectory() as tmp,
        scratch_database(admin_url) as legacy_url,
        scratch_database(admin_url) as store_url,
    ):
        legacy = changple2_database(Path(tmp) / "changple2", postgres_url=legacy_url)
        began = time.perf_counter()
        legacy.fill("bulk", str(posts))
        built = time.perf_counter() - began
        store = ChangpleStore(Path(tmp) / "changple", database_url=store_url)
        assert store.run("db", "upgrade")[0] == 0
        args = ("legacy", "import", "--from", legacy.url, "--media", str(legacy.media))
        first_s, first_mib, first = timed(store, *args)
        second_s, second_mib, second = timed(store, *args)
    return {
        "posts": posts,
        "build_seconds": round(built, 1),
        "first_import_seconds": round(first_s, 1),
        "first_import_peak_rss_mib": round(first_mib, 1),
        "second_import_seconds": round(second_s, 1),
        "second_import_peak_rss_mib": round(second_mib, 1),
        "written_first": first["written"],
        "written_second": second["written"],
        "refused_first": len(first["refusals"]),
        "rows_read": {entity: tally["read"] for entity, tally in first["entities"].items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres")
    options = parser.parse_args()
    results = [run_size(size, options.postgres) for size in options.sizes]
    sys.stdout.write(json.dumps({"legacy_import": results}, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
