"""The fixture cafe itself: big enough, every id has an expectation, and the stuck page cannot hold
the site open at shutdown. (The site's pages are exercised through the parsers and sources.)"""

from __future__ import annotations

import threading
import time
import urllib.error
import urllib.request

from tests.fixtures.naver_cafe.corpus import ARTICLES, HANG_ID, NOTICES, all_ids, expected_outcome
from tests.fixtures.naver_cafe.site import NaverCafeSite


def test_the_corpus_is_large_and_every_id_has_an_expected_outcome() -> None:
    ids = all_ids()
    assert len(ids) >= 40
    assert len({a.author for a in ARTICLES}) >= 8
    assert {a.layout for a in ARTICLES} == {"iframe", "direct", "old", "ca-fe", "articleread"}
    assert {n.kind for n in NOTICES.values()} >= {"gap", "deleted", "members_only", "login", "malformed", "hang"}
    assert all(expected_outcome(i, via=via) for i in ids for via in ("page", "api", "snapshot"))


def test_a_stuck_request_does_not_hold_the_site_open() -> None:
    site = NaverCafeSite()
    base = site.start()
    answers: list[object] = []

    def stuck() -> None:
        try:
            with urllib.request.urlopen(f"{base}/changple/{HANG_ID}", timeout=20) as response:
                answers.append(response.status)
        except (urllib.error.URLError, OSError) as exc:
            answers.append(exc)

    thread = threading.Thread(target=stuck)
    thread.start()
    while site.count(f"/changple/{HANG_ID}") == 0:
        time.sleep(0.01)
    started = time.monotonic()
    site.stop()
    thread.join(timeout=5)
    assert time.monotonic() - started < 3
    assert not thread.is_alive()
    assert len(answers) == 1
