"""`changple legacy import|verify` against changple2 databases built by Django, on SQLite and on
Postgres: everything carried (summaries kept, tokens sealed, nonces kept, citations as article ids),
the awkward rows refused alone, verify clean, a second import writing nothing, a changed monolith
carrying only the difference, a dry run writing nothing, and a database that is not changple2
refused with exit 2 before anything is written."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.legacy.changple2 import Changple2, ChangpleStore

NONCE = "6f1c2f9e-3a4b-4c5d-8e7f-0123456789ab"
ANON_NONCE = "0a1b2c3d-4e5f-4a6b-8c7d-9e8f7a6b5c4d"


def rows(store: ChangpleStore, query: str) -> list[Any]:
    url = make_url(store.url)
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return list(connection.execute(text(query)))
    finally:
        engine.dispose()


def import_json(store: ChangpleStore, legacy: Changple2, *extra: str) -> dict[str, Any]:
    code, out, err = store.run("legacy", "import", "--from", legacy.url, "--media", str(legacy.media), "--json", *extra)
    assert code == 0, err
    report: dict[str, Any] = json.loads(out)
    return report


def written(report: dict[str, Any]) -> dict[str, int]:
    return {entity: tally["imported"] + tally["changed"] for entity, tally in report["entities"].items()}


def refused_reasons(report: dict[str, Any]) -> dict[tuple[str, int], str]:
    return {(r["table"], r["legacy_id"]): r["reason"] for r in report["refusals"]}


def test_import_verify_reimport_and_change(legacy: Changple2, store: ChangpleStore, backend: str) -> None:
    sqlite = json.loads(legacy.fill("base"))["sqlite"]
    report = import_json(store, legacy)
    assert written(report) == {
        "posts": 4,
        "statuses": 4,
        "authors": 3,
        "brands": 2,
        "users": 3,
        "contents": 2,
        "views": 2,
        "chat_sessions": 2,
        "chat_messages": 3,
        "batch_jobs": 0,
    }
    reasons = " | ".join(refused_reasons(report).values())
    assert report["entities"]["posts"]["refused"] == (3 if sqlite else 1)
    if sqlite:
        assert "NUL byte" in reasons
        assert "not valid JSON" in reasons
    assert "scraper_navercafedata rows that are gone" in reasons
    assert "points outside the media folder" in reasons
    assert "is not in the media folder" in reasons
    assert "no Naver id" in reasons
    assert report["entities"]["authors"]["refused"] == 2  # too long a name; a group not among the choices
    assert "author group '운영진' is not one of 창플, 팀비즈니스, 기타" in reasons
    assert report["entities"]["contents"]["refused"] == 3  # missing, outside, zip bomb
    assert report["entities"]["chat_messages"]["refused"] == 2  # cites a gone post; over-long
    assert [a["username"] for a in report["unmapped_admins"]] == ["root"]
    assert [j["provider_job_id"] for j in report["open_batch_jobs"]] == ["batch_open_42"]
    assert report["first_run"]["summaries"] == 1  # only 1002 had no summary (1005's author is disabled)

    summaries = {
        a: bool(current) for a, current in rows(store, "SELECT article_id, summary_hash = content_hash FROM posts")
    }
    assert summaries == {1001: True, 1002: False, 1003: True, 1005: False}
    (sealed,) = rows(store, "SELECT tokens_encrypted FROM users WHERE social_id = 'naver-abc'")
    assert sealed[0]
    assert "clear-access-token-abc" not in sealed[0]
    roles = dict(rows(store, "SELECT social_id, role FROM users"))
    assert roles == {"naver-abc": "social", "naver-def": "social", "naver-admin": "admin"}
    sessions = dict(rows(store, "SELECT nonce, user_id IS NULL FROM chat_sessions"))
    assert sessions == {NONCE: False, ANON_NONCE: True}
    answers = rows(store, "SELECT helpful_post_ids, attached_content_ids FROM chat_messages WHERE role = 'assistant'")
    checklist = rows(store, "SELECT id FROM contents WHERE title = '가맹 계약 체크리스트' AND state = 'published'")
    assert len(answers) == 1
    assert len(checklist) == 1
    helpful, attached = (json.loads(v) if isinstance(v, str) else v for v in answers[0])
    assert helpful == [1001, 1003]
    assert attached == [checklist[0][0]]

    code, out, err = store.run("pipeline", "estimate", "--json")
    assert code == 0, err
    assert json.loads(out)["summaries"]["requests"] == 1  # the summarized posts cost no summary request

    code, out, err = store.run("legacy", "verify", "--from", legacy.url, "--json")
    assert code == 0, out + err
    assert json.loads(out)["identical"] is True

    again = import_json(store, legacy)
    assert again["written"] == 0
    assert set(written(again).values()) == {0}
    if backend == "postgres":  # whole blocks of ids known unchanged by their digest, not read again
        assert again["entities"]["chat_sessions"]["unread"] == again["entities"]["chat_sessions"]["read"] > 0
    code, out, _ = store.run("legacy", "import", "--from", legacy.url, "--media", str(legacy.media))
    assert code == 0
    assert "nothing to write" in " ".join(out.split())

    legacy.fill("change")
    code, out, _ = store.run("legacy", "verify", "--from", legacy.url, "--json")
    assert code == 1
    problems = {(d["entity"], d["problem"]) for d in json.loads(out)["differences"]}
    assert ("posts", "missing") in problems
    assert ("posts", "differs in content") in problems

    changed = import_json(store, legacy)
    assert {k: v for k, v in written(changed).items() if v} == {"posts": 2, "users": 1, "chat_messages": 2}
    assert (changed["entities"]["chat_messages"]["imported"], changed["entities"]["chat_messages"]["changed"]) == (1, 1)
    assert changed["entities"]["chat_messages"]["unread"] == 0  # the block with the new message is read
    assert changed["entities"]["posts"]["imported"] == 1
    assert changed["entities"]["posts"]["changed"] == 1
    code, out, err = store.run("legacy", "verify", "--from", legacy.url)
    assert code == 0, out + err


def test_dry_run_writes_nothing_and_a_foreign_database_is_exit_2(
    legacy: Changple2, store: ChangpleStore, tmp_path: Path
) -> None:
    legacy.fill("base")
    dry = import_json(store, legacy, "--dry-run")
    assert dry["dry_run"] is True
    assert written(dry)["posts"] == 4
    assert written(dry)["chat_messages"] == 3
    assert dry["first_run"]["summaries"] == 1
    assert dry["first_run"]["embeddings"] >= 3
    for table in ("posts", "users", "contents", "chat_messages", "legacy_marks", "legacy_imports"):
        assert rows(store, f"SELECT count(*) FROM {table}") == [(0,)], table

    foreign = tmp_path / "foreign.sqlite3"
    engine = create_engine(f"sqlite:///{foreign}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE users_user (id INTEGER PRIMARY KEY, username TEXT)"))
    engine.dispose()
    code, out, err = store.run("legacy", "import", "--from", f"sqlite:///{foreign}")
    said = " ".join(err.split())
    assert code == 2, out + err
    assert "not a changple2 database" in said
    assert "scraper_navercafedata" in said
    assert "users_user.social_id" in said
    code, _, err = store.run("legacy", "verify", "--from", f"sqlite:///{foreign}")
    assert code == 2
    assert rows(store, "SELECT count(*) FROM legacy_imports") == [(0,)]
