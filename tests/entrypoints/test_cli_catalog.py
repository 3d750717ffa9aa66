"""`changple authors ...` and `changple brands ...` as an operator runs them: a real process on a
fresh data directory, JSON for scripts, tables and one-sentence errors for people."""

from __future__ import annotations

import json
from pathlib import Path

from litestar.testing import TestClient

from changple_entrypoints.composition.bootstrap import build_container
from changple_entrypoints.http.app import create_app
from changple_entrypoints.settings import Settings
from tests.entrypoints.callers import as_admin
from tests.entrypoints.cli_process import run_changple as catalog


def test_authors_round_trip_on_a_fresh_directory(tmp_path: Path) -> None:
    data = tmp_path / "d"
    code, out, err = catalog(data, "authors", "add", "  창플  지기 ", "--group", "팀비즈니스", "--json")
    assert code == 0, err
    assert json.loads(out) == {"name": "창플 지기", "group": "팀비즈니스", "active": True}
    assert (data / "changple.db").exists()
    assert catalog(data, "authors", "add", "Alice")[0] == 0

    code, out, err = catalog(data, "authors", "disable", "창플   지기", "--json")
    assert code == 0, err
    assert json.loads(out)["active"] is False

    code, out, _ = catalog(data, "authors", "list", "--json")
    assert [a["name"] for a in json.loads(out)] == ["Alice"]  # disabled authors are hidden by default
    code, out, _ = catalog(data, "authors", "list", "--all", "--json")
    assert json.loads(out) == [
        {"name": "Alice", "group": "창플", "active": True},  # the default group, as in changple2
        {"name": "창플 지기", "group": "팀비즈니스", "active": False},
    ]
    code, out, _ = catalog(data, "authors", "list", "--all", "--search", "ALI", "--json")
    assert [a["name"] for a in json.loads(out)] == ["Alice"]

    code, out, err = catalog(data, "authors", "enable", "창플 지기")
    assert code == 0, err
    assert "enabled 창플 지기" in out
    assert "next run" in out


def test_authors_list_is_a_table_for_people(tmp_path: Path) -> None:
    data = tmp_path / "d"
    assert catalog(data, "authors", "add", "[공식] a[/]b", "--group", "기타")[0] == 0  # rich markup stays text
    assert catalog(data, "authors", "add", "상권박사")[0] == 0
    assert catalog(data, "authors", "disable", "상권박사")[0] == 0
    code, out, err = catalog(data, "authors", "list", "--all")
    assert code == 0, err
    assert "allowed authors (2)" in out
    assert "[공식] a[/]b" in out
    assert "기타" in out
    row = next(line for line in out.splitlines() if "상권박사" in line)
    assert "no" in row.split("상권박사", 1)[1]
    code, out, _ = catalog(data, "authors", "list", "--search", "없는")
    assert code == 0
    assert "no active allowed authors match '없는'" in out


def test_author_errors_are_one_sentence_and_an_exit_code(tmp_path: Path) -> None:
    data = tmp_path / "d"
    assert catalog(data, "authors", "add", "창플 지기")[0] == 0

    code, out, err = catalog(data, "authors", "add", "창플\t\t지기", "--group", "기타")
    assert (code, out) == (1, "")
    assert "allowed author '창플 지기' already exists" in err

    code, _, err = catalog(data, "authors", "disable", "없는  사람")
    assert code == 3  # NotFound, as everywhere in the CLI (cli_support.EXIT_CODES)
    assert "no allowed author named '없는 사람'" in err
    assert catalog(data, "authors", "enable", "없는사람")[0] == 3

    code, _, err = catalog(data, "authors", "add", "   ")
    assert code == 2
    assert "author name must not be empty" in err
    code, _, err = catalog(data, "authors", "add", "가" * 101)
    assert code == 2
    assert "at most 100 characters" in err

    code, out, _ = catalog(data, "authors", "list", "--all", "--json")
    assert json.loads(out) == [{"name": "창플 지기", "group": "창플", "active": True}]  # nothing else changed


def test_authors_by_group_and_only_the_groups(tmp_path: Path) -> None:
    data = tmp_path / "d"
    for name, group in (("가", "창플"), ("나", "팀비즈니스"), ("다", "기타"), ("라", "팀비즈니스")):
        assert catalog(data, "authors", "add", name, "--group", group)[0] == 0
    assert catalog(data, "authors", "disable", "라")[0] == 0
    code, out, err = catalog(data, "authors", "list", "--group", "팀비즈니스", "--json")
    assert code == 0, err
    assert json.loads(out) == [{"name": "나", "group": "팀비즈니스", "active": True}]
    code, out, _ = catalog(data, "authors", "list", "--group", "팀비즈니스", "--all", "--json")
    assert [a["name"] for a in json.loads(out)] == ["나", "라"]
    code, out, _ = catalog(data, "authors", "list", "--group", "기타", "--search", "가")
    assert "no active allowed authors (group 기타) match '가'" in out

    for command in (("add", "마", "--group", "운영진"), ("list", "--group", "운영진"), ("list", "--group", "")):
        code, out, err = catalog(data, "authors", *command)
        assert (code, out) == (2, ""), command
        assert "--group" in err
        assert "is not one of 창플, 팀비즈니스, 기타" in err
    assert [a["name"] for a in json.loads(catalog(data, "authors", "list", "--all", "--json")[1])] == [
        "가",
        "나",
        "다",
        "라",
    ]
    code, _, err = catalog(data, "brands", "list", "--group", "창플")  # brands have no groups
    assert code == 2
    assert "--group" in err


def test_brands_round_trip_and_errors(tmp_path: Path) -> None:
    data = tmp_path / "d"
    code, out, err = catalog(data, "brands", "add", " 교촌  치킨 ", "--description", "간장 치킨", "--json")
    assert code == 0, err
    assert json.loads(out) == {"name": "교촌 치킨", "description": "간장 치킨", "good_to_know": True}
    code, _, err = catalog(data, "brands", "add", "교촌 치킨")
    assert code == 1
    assert "brand '교촌 치킨' already exists" in err

    code, out, err = catalog(data, "brands", "disable", "교촌치킨")  # no space: a different name
    assert code == 3
    assert "no brand named '교촌치킨'" in err
    code, out, err = catalog(data, "brands", "disable", "교촌 치킨")
    assert code == 0, err
    assert "no longer good to know" in out

    assert json.loads(catalog(data, "brands", "list", "--json")[1]) == []
    code, out, _ = catalog(data, "brands", "list", "--all")
    assert "교촌 치킨" in out
    assert "간장 치킨" in out
    assert catalog(data, "brands", "enable", "교촌 치킨")[0] == 0
    assert [b["name"] for b in json.loads(catalog(data, "brands", "list", "--json")[1])] == ["교촌 치킨"]


def test_the_api_sees_what_the_cli_wrote(tmp_path: Path) -> None:
    data = tmp_path / "d"
    assert catalog(data, "authors", "add", "창플 지기", "--group", "팀비즈니스")[0] == 0
    assert catalog(data, "authors", "disable", "창플 지기")[0] == 0
    settings = Settings(_env_file=None, data_dir=data, redis_url=None)  # type: ignore[call-arg]
    container = build_container(settings)
    with TestClient(app=create_app(container)) as client:
        listed = as_admin(client, container).get("/api/v1/admin/authors/").json()
    assert listed["items"] == [{"name": "창플 지기", "group": "팀비즈니스", "active": False}]
