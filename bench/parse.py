"""Naver scraping throughput: the pure parsers over the fixture cafe's pages on one core, then a
scan of N article ids with PlaywrightCafeSource in real Chromium against the local fixture site
(delays off). Prints one JSON object.

    python bench/parse.py [--seconds 5] [--scan-ids 1000] [--chromium /usr/bin/chromium]

The goal for parsing is >= 300 pages/s. Scan memory is sampled from /proc every 0.25 s: this
process's peak RSS, and the proportional set size (PSS, shared pages split between their users)
summed over the whole process tree under it (Playwright's driver and Chromium's processes)."""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fixtures.naver_cafe import pages  # noqa: E402
from tests.fixtures.naver_cafe.corpus import ARTICLES, SCRAPED_AT, all_ids  # noqa: E402
from tests.fixtures.naver_cafe.site import NaverCafeSite  # noqa: E402

from changple_adapters.naver.parser import parse_article_api, parse_article_html  # noqa: E402
from changple_adapters.naver.playwright_source import PlaywrightCafeSource  # noqa: E402

SYNTHETIC_FROM = 100_000


def _rate(work: list[Callable[[], object]], seconds: float) -> float:
    """Items per second, cycling through `work` for at least `seconds`."""
    done = 0
    started = time.perf_counter()
    while (elapsed := time.perf_counter() - started) < seconds:
        for item in work:
            item()
        done += len(work)
    return done / elapsed


def parse_throughput(seconds: float) -> dict[str, float]:
    documents = [d for i in all_ids() if (d := pages.frame_document(i)) is not None]
    documents += [pages.old_skin(a) for a in ARTICLES if a.layout != "old"]
    payloads = [(a.article_id, pages.api_article(a)) for a in ARTICLES]
    html_work: list[Callable[[], object]] = [
        lambda d=d: parse_article_html(d, article_id=1, url="u", scraped_at=SCRAPED_AT)  # type: ignore[misc]
        for d in documents
    ]
    api_work: list[Callable[[], object]] = [
        lambda i=i, p=p: parse_article_api(p, article_id=i, url="u", scraped_at=SCRAPED_AT)  # type: ignore[misc]
        for i, p in payloads
    ]
    return {
        "html_pages": len(documents),
        "html_mean_kb": round(sum(len(d.encode()) for d in documents) / len(documents) / 1024, 1),
        "html_pages_per_s": round(_rate(html_work, seconds), 1),
        "api_answers_per_s": round(_rate(api_work, seconds / 2), 1),
    }


def _tree_pss_kb(root: int) -> int:
    """PSS summed over `root` and its descendants: what the scan costs the machine."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
            rollup = (entry / "smaps_rollup").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        parents[int(entry.name)] = int(fields.get("PPid", "0").strip())
        rss[int(entry.name)] = sum(int(line.split()[1]) for line in rollup.splitlines() if line.startswith("Pss:"))
    tree, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent and pid not in tree]
        tree.update(children)
        frontier.extend(children)
    return sum(rss.get(pid, 0) for pid in tree)


def scan(count: int, chromium: str) -> dict[str, object]:
    site = NaverCafeSite()
    site.synthetic_from = SYNTHETIC_FROM
    base = site.start()
    peak = {"tree_kb": 0}
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(0.25):
            peak["tree_kb"] = max(peak["tree_kb"], _tree_pss_kb(os.getpid()))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    outcomes: Counter[str] = Counter()
    try:
        with PlaywrightCafeSource(
            cafe_url=f"{base}/changple", executable_path=chromium, delay_range=0, settle_seconds=1.0
        ) as source:
            source.fetch(SYNTHETIC_FROM - 1)  # browser start-up is not scan time
            started = time.perf_counter()
            for article_id in range(SYNTHETIC_FROM, SYNTHETIC_FROM + count):
                outcomes[source.fetch(article_id).outcome.value] += 1
            elapsed = time.perf_counter() - started
    finally:
        stop.set()
        sampler.join()
        site.stop()
    return {
        "ids": count,
        "seconds": round(elapsed, 1),
        "pages_per_s": round(count / elapsed, 2),
        "outcomes": dict(outcomes),
        "python_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "process_tree_peak_pss_mb": round(peak["tree_kb"] / 1024, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seconds", type=float, default=5.0, help="time spent measuring parse throughput")
    parser.add_argument("--scan-ids", type=int, default=1000, help="article ids to scan in Chromium (0 skips)")
    parser.add_argument("--chromium", default=os.environ.get("CHANGPLE_CHROMIUM") or shutil.which("chromium"))
    args = parser.parse_args()
    report: dict[str, object] = {"parse": parse_throughput(args.seconds), "cpu_count": os.cpu_count()}
    if args.scan_ids > 0:
        if not args.chromium:
            parser.error("no Chromium found: pass --chromium or set CHANGPLE_CHROMIUM")
        report["scan"] = scan(args.scan_ids, args.chromium)
    print(json.dumps(report, ensure_ascii=False))


if __name__ == "__main__":
    main()
