"""The admin catalog endpoints (/api/v1/admin/authors/, /api/v1/admin/brands/) through the real app,
on the embedded SQLite database and on PostgreSQL: the happy paths, and odd input that must answer
4xx with a message saying what to fix, never 5xx."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import text

from changple_adapters.sql.migrations import upgrade_database
from changple_entrypoints.composition.bootstrap import build_container
from changple_entrypoints.http.app import create_app
from changple_entrypoints.settings import Settings
from tests.contract.conftest import DEFAULT_ADMIN_URL, PostgresServer
from tests.entrypoints.callers import as_admin

AUTHORS = "/api/v1/admin/authors/"
BRANDS = "/api/v1/admin/brands/"

Client = TestClient[Litestar]


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    """One migrated throwaway database for this module; each test empties the catalog tables."""
    server = PostgresServer(os.environ.get("CHANGPLE_TEST_POSTGRES_URL", DEFAULT_ADMIN_URL))
    try:
        url = server.create_database()
        upgrade_database(url)
        yield url
    finally:
        server.drop_all()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def api(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Client]:
    if request.param == "sqlite":
        settings = Settings(_env_file=None, data_dir=tmp_path / "data", redis_url=None)  # type: ignore[call-arg]
        upgrade_database(settings.resolved_database_url)
    else:
        url = request.getfixturevalue("postgres_url")
        settings = Settings(_env_file=None, data_dir=tmp_path / "data", redis_url=None, database_url=url)  # type: ignore[call-arg]
    container = build_container(settings)
    if request.param == "postgres":
        with container.engine().begin() as connection:
            connection.execute(text("TRUNCATE allowed_authors, brands RESTART IDENTITY"))
    try:
        with TestClient(app=create_app(container)) as client:
            yield as_admin(client, container)
    finally:
        container.engine().dispose()


def one(base: str, name: str) -> str:
    return f"{base}{quote(name, safe='')}/"


def assert_invalid(response: Any, *words: str) -> None:
    """A 400 in the error shape whose detail names what to fix."""
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["error"] == "invalid_input", body
    for word in words:
        assert word in body["detail"], (word, body["detail"])


# --- authors --------------------------------------------------------------------------------


def test_author_lifecycle_never_erases(api: Client) -> None:
    created = api.post(AUTHORS, json={"name": "  창플  지기 ", "group": "팀비즈니스"})
    assert created.status_code == 201
    assert created.json() == {"name": "창플 지기", "group": "팀비즈니스", "active": True}

    # Any spacing of the name finds the same author.
    assert api.get(one(AUTHORS, "창플   지기")).json() == created.json()

    regrouped = api.patch(one(AUTHORS, "창플 지기"), json={"group": "기타"})
    assert regrouped.status_code == 200
    assert regrouped.json() == {"name": "창플 지기", "group": "기타", "active": True}

    deleted = api.delete(one(AUTHORS, "창플 지기"))
    assert deleted.status_code == 200
    assert deleted.json() == {"name": "창플 지기", "group": "기타", "active": False}
    assert api.get(one(AUTHORS, "창플 지기")).json()["active"] is False  # still there
    assert api.delete(one(AUTHORS, "창플 지기")).status_code == 200  # disabling twice is fine
    assert [a["name"] for a in api.get(AUTHORS, params={"active": False}).json()["items"]] == ["창플 지기"]
    assert api.get(AUTHORS, params={"active": True}).json() == {"items": [], "total": 0, "limit": 50, "offset": 0}

    enabled = api.patch(one(AUTHORS, "창플 지기"), json={"active": True})
    assert enabled.json() == {"name": "창플 지기", "group": "기타", "active": True}
    both = api.patch(one(AUTHORS, "창플 지기"), json={"active": False, "group": "창플"})
    assert both.json() == {"name": "창플 지기", "group": "창플", "active": False}


@pytest.mark.parametrize(
    "variant", ["창플 지기", " 창플 지기", "창플  지기", "창플\t지기\n", "창플\u3000지기", "창플\u00a0지기"]
)
def test_names_that_clean_to_a_taken_name_conflict(api: Client, variant: str) -> None:
    assert api.post(AUTHORS, json={"name": "창플 지기", "group": "기타"}).status_code == 201
    again = api.post(AUTHORS, json={"name": variant, "group": "팀비즈니스", "active": False})
    assert again.status_code == 409
    assert again.json() == {"error": "already_exists", "detail": "allowed author '창플 지기' already exists"}
    listed = api.get(AUTHORS).json()
    assert listed["items"] == [{"name": "창플 지기", "group": "기타", "active": True}]  # the first one stays


def test_letter_case_makes_a_different_author(api: Client) -> None:
    """Eligibility matches nicknames exactly (after folding white space), so case is kept apart."""
    assert api.post(AUTHORS, json={"name": "Alice"}).status_code == 201
    assert api.post(AUTHORS, json={"name": "alice"}).status_code == 201
    assert api.get(AUTHORS, params={"q": "ALICE"}).json()["total"] == 2
    assert api.get(one(AUTHORS, "ALICE")).status_code == 404


@pytest.mark.parametrize(
    ("request_kwargs", "words"),
    [
        ({"json": {}}, ["name", "required"]),
        ({}, ["send a JSON object", "name"]),
        ({"content": b"null", "headers": {"content-type": "application/json"}}, ["send a JSON object"]),
        ({"json": []}, ["dictionary"]),
        ({"json": "창플 지기"}, ["dictionary"]),
        ({"json": {"name": 5}}, ["name", "string"]),
        ({"json": {"name": ["창플"]}}, ["name", "string"]),
        ({"json": {"name": "   "}}, ["author name must not be empty"]),
        ({"json": {"name": "\u3000\t\n"}}, ["author name must not be empty"]),
        ({"json": {"name": "가" * 101}}, ["name", "at most 100 characters"]),
        ({"json": {"name": "창플\u0000지기"}}, ["name", "control characters"]),
        ({"json": {"name": "창플/지기"}}, ["name", "'/'", "URL path"]),
        ({"json": {"name": "창플", "group": "운영진"}}, ["group", "창플", "팀비즈니스", "기타"]),
        ({"json": {"name": "창플", "group": ""}}, ["group", "창플", "팀비즈니스", "기타"]),
        ({"json": {"name": "창플", "group": None}}, ["group", "창플", "팀비즈니스", "기타"]),
        ({"json": {"name": "창플", "active": "maybe"}}, ["active", "boolean"]),
        ({"json": {"name": "창플", "role": "admin"}}, ["role"]),
        ({"content": b'{"name": "x"', "headers": {"content-type": "application/json"}}, []),  # msgspec's words
    ],
)
def test_bad_author_input_is_400_saying_what_to_fix(
    api: Client, request_kwargs: dict[str, Any], words: list[str]
) -> None:
    assert_invalid(api.post(AUTHORS, **request_kwargs), *words)
    assert api.get(AUTHORS).json()["total"] == 0  # nothing was stored


def test_unicode_and_limit_length_names(api: Client) -> None:
    names = ["가" * 100, "🍗 치킨왕", "Émile 창업", "100%_진심", "[공식] 창플", "?#&="]
    for name in names:
        created = api.post(AUTHORS, json={"name": name})
        assert created.status_code == 201, created.text
        assert api.get(one(AUTHORS, name)).json()["name"] == name
    # Folding happens before the length check: 100 characters padded with spaces still fit.
    padded = api.post(AUTHORS, json={"name": "  " + "나" * 96 + "  "})
    assert padded.status_code == 201
    assert padded.json()["name"] == "나" * 96
    assert api.get(AUTHORS, params={"q": "%_"}).json()["items"][0]["name"] == "100%_진심"  # no wildcards
    assert api.get(AUTHORS, params={"q": "émile"}).json()["total"] == 1


def test_unknown_and_unstorable_names_are_404(api: Client) -> None:
    for method in ("GET", "PATCH", "DELETE"):
        kwargs: dict[str, Any] = {"json": {"active": True}} if method == "PATCH" else {}
        missing = api.request(method, one(AUTHORS, "없는  사람"), **kwargs)
        assert missing.status_code == 404, method
        assert missing.json() == {"error": "not_found", "detail": "no allowed author named '없는 사람'"}
    huge = api.get(one(AUTHORS, "x" * 5000))
    assert huge.status_code == 404
    assert len(huge.json()["detail"]) < 200  # the message quotes the name cut short
    for odd in (" ", "a\u0000b", "\u0007"):
        assert api.get(one(AUTHORS, odd)).status_code == 404


def test_author_updates_refuse_bad_input(api: Client) -> None:
    api.post(AUTHORS, json={"name": "상권박사", "group": "팀비즈니스"})
    url = one(AUTHORS, "상권박사")
    assert_invalid(api.patch(url, json={}), "nothing to change", "active", "group")
    assert_invalid(api.patch(url, json={"active": None}), "nothing to change")
    assert_invalid(api.patch(url), "send a JSON object")
    assert_invalid(api.patch(url, json={"active": "sometimes"}), "active")
    assert_invalid(api.patch(url, json={"group": "1기"}), "group", "창플", "팀비즈니스", "기타")
    assert_invalid(api.patch(url, json={"name": "다른이름"}), "name")
    assert_invalid(api.patch(url, json=[True]), "dictionary")
    assert api.get(url).json() == {"name": "상권박사", "group": "팀비즈니스", "active": True}  # unchanged


def test_author_list_pages_and_filters(api: Client) -> None:
    actives = {"가나": True, "다라": False, "마바": True, "사아": True, "자차": False, "카타": True, "파하": True}
    for name, active in actives.items():
        assert api.post(AUTHORS, json={"name": name, "active": active}).status_code == 201

    first = api.get(AUTHORS, params={"limit": 3}).json()
    assert [a["name"] for a in first["items"]] == ["가나", "다라", "마바"]
    assert (first["total"], first["limit"], first["offset"]) == (7, 3, 0)
    last = api.get(AUTHORS, params={"limit": 3, "offset": 6}).json()
    assert [a["name"] for a in last["items"]] == ["파하"]
    beyond = api.get(AUTHORS, params={"offset": 100}).json()
    assert beyond["items"] == []
    assert beyond["total"] == 7

    active = api.get(AUTHORS, params={"active": "true", "limit": 2, "offset": 1}).json()
    assert [a["name"] for a in active["items"]] == ["마바", "사아"]
    assert active["total"] == 5
    disabled = api.get(AUTHORS, params={"active": "false"}).json()
    assert [a["name"] for a in disabled["items"]] == ["다라", "자차"]
    assert api.get(AUTHORS, params={"q": "  마바 "}).json()["total"] == 1
    assert api.get(AUTHORS, params={"q": ""}).json()["total"] == 7  # an empty search filters nothing

    assert_invalid(api.get(AUTHORS, params={"limit": 0}), "limit")
    assert_invalid(api.get(AUTHORS, params={"limit": 501}), "limit")
    assert_invalid(api.get(AUTHORS, params={"limit": "ten"}), "limit")
    assert_invalid(api.get(AUTHORS, params={"offset": -1}), "offset")
    assert_invalid(api.get(AUTHORS, params={"active": "maybe"}), "active")
    assert_invalid(api.get(AUTHORS, params={"q": "x" * 101}), "q")
    assert_invalid(api.get(AUTHORS, params={"q": "a\u0000"}), "search", "control characters")


def test_author_list_filters_by_group(api: Client) -> None:
    groups = {"가나": "창플", "다라": "팀비즈니스", "마바": "기타", "사아": "팀비즈니스"}
    for name, group in groups.items():
        assert api.post(AUTHORS, json={"name": name, "group": group, "active": name != "사아"}).status_code == 201
    assert api.post(AUTHORS, json={"name": "자차"}).json()["group"] == "창플"  # the default, as in changple2

    team = api.get(AUTHORS, params={"group": "팀비즈니스"}).json()
    assert [(a["name"], a["group"]) for a in team["items"]] == [("다라", "팀비즈니스"), ("사아", "팀비즈니스")]
    assert team["total"] == 2
    assert [a["name"] for a in api.get(AUTHORS, params={"group": "창플"}).json()["items"]] == ["가나", "자차"]
    assert [a["name"] for a in api.get(AUTHORS, params={"group": "팀비즈니스", "active": True}).json()["items"]] == [
        "다라"
    ]
    assert api.get(AUTHORS, params={"group": "기타", "q": "가"}).json()["total"] == 0
    for unknown in ("운영진", "", "창플 "):
        assert_invalid(api.get(AUTHORS, params={"group": unknown}), "group", "창플", "팀비즈니스", "기타")
    # Brands have a free-text description and no group filter: the parameter is not theirs.
    assert api.post(BRANDS, json={"name": "창플치킨", "description": "창플"}).status_code == 201
    assert api.get(BRANDS, params={"group": "창플"}).json()["total"] == 1


def test_openapi_lists_the_groups(api: Client) -> None:
    schema = api.get("/schema/openapi.json").json()
    components = schema["components"]["schemas"]
    enums = [s.get("enum") for s in components.values() if s.get("enum")]
    assert ["창플", "팀비즈니스", "기타"] in enums
    parameters = schema["paths"][AUTHORS.rstrip("/")]["get"]["parameters"]
    (group,) = [p for p in parameters if p["name"] == "group"]
    assert "only the authors of this group" in group["description"]
    assert group["schema"]["enum"] == ["창플", "팀비즈니스", "기타"]
    assert schema["components"]["schemas"]["AuthorCreate"]["properties"]["group"] == {
        "$ref": "#/components/schemas/AuthorGroup"
    }
    brand_parameters = schema["paths"][BRANDS.rstrip("/")]["get"]["parameters"]
    assert not [p for p in brand_parameters if p["name"] in ("group", "detail")]


# --- brands ---------------------------------------------------------------------------------


def test_brand_lifecycle_never_erases(api: Client) -> None:
    created = api.post(BRANDS, json={"name": " 교촌  치킨", "description": "간장 치킨.\n직영점 다수."})
    assert created.status_code == 201
    assert created.json() == {"name": "교촌 치킨", "description": "간장 치킨.\n직영점 다수.", "good_to_know": True}
    again = api.post(BRANDS, json={"name": "교촌 치킨 "})
    assert again.status_code == 409
    assert again.json()["detail"] == "brand '교촌 치킨' already exists"

    assert api.get(one(BRANDS, "교촌   치킨")).json() == created.json()
    described = api.patch(one(BRANDS, "교촌 치킨"), json={"description": ""})
    assert described.json() == {"name": "교촌 치킨", "description": "", "good_to_know": True}

    deleted = api.delete(one(BRANDS, "교촌 치킨"))
    assert deleted.status_code == 200
    assert deleted.json()["good_to_know"] is False
    assert api.get(one(BRANDS, "교촌 치킨")).status_code == 200  # still there
    assert api.get(BRANDS, params={"good_to_know": True}).json()["total"] == 0
    assert api.get(BRANDS).json()["total"] == 1
    back = api.patch(one(BRANDS, "교촌 치킨"), json={"good_to_know": True})
    assert back.json()["good_to_know"] is True


def test_brand_list_pages_and_filters(api: Client) -> None:
    for name, flag in {"BBQ": True, "bhc치킨": False, "메가커피": True}.items():
        assert api.post(BRANDS, json={"name": name, "good_to_know": flag}).status_code == 201
    page = api.get(BRANDS, params={"limit": 2}).json()
    assert [b["name"] for b in page["items"]] == ["BBQ", "bhc치킨"]
    assert page["total"] == 3
    assert [b["name"] for b in api.get(BRANDS, params={"q": "B"}).json()["items"]] == ["BBQ", "bhc치킨"]
    assert [b["name"] for b in api.get(BRANDS, params={"good_to_know": False}).json()["items"]] == ["bhc치킨"]
    assert_invalid(api.get(BRANDS, params={"good_to_know": "perhaps"}), "good_to_know")
    assert_invalid(api.get(BRANDS, params={"limit": -5}), "limit")


def test_bad_brand_input_is_4xx_saying_what_to_fix(api: Client) -> None:
    assert_invalid(api.post(BRANDS, json={}), "name")
    assert_invalid(api.post(BRANDS), "send a JSON object")
    assert_invalid(api.post(BRANDS, json={"name": " \n "}), "brand name must not be empty")
    assert_invalid(api.post(BRANDS, json={"name": "b" * 101}), "name", "at most 100")
    assert_invalid(api.post(BRANDS, json={"name": "a/b"}), "brand name", "'/'")
    assert_invalid(api.post(BRANDS, json={"name": "창플", "description": "d" * 2001}), "description")
    assert_invalid(api.post(BRANDS, json={"name": "창플", "description": "a\u0000b"}), "description", "control")
    assert_invalid(api.post(BRANDS, json={"name": "창플", "good_to_know": "often"}), "good_to_know")
    assert_invalid(api.post(BRANDS, json={"name": "창플", "aliases": ["cp"]}), "aliases")
    assert api.get(BRANDS).json()["total"] == 0

    api.post(BRANDS, json={"name": "창플"})
    assert_invalid(api.patch(one(BRANDS, "창플"), json={}), "nothing to change", "good_to_know", "description")
    assert_invalid(api.patch(one(BRANDS, "창플"), json={"good_to_know": 3.5}), "good_to_know")
    missing = api.delete(one(BRANDS, "없는브랜드"))
    assert missing.status_code == 404
    assert missing.json() == {"error": "not_found", "detail": "no brand named '없는브랜드'"}
    assert api.patch(one(BRANDS, "없는브랜드"), json={"good_to_know": True}).status_code == 404


# --- the routes as documented ---------------------------------------------------------------


def test_admin_routes_are_tagged_and_documented(api: Client) -> None:
    paths = api.get("/schema/openapi.json").json()["paths"]
    admin = {path: ops for path, ops in paths.items() if path.startswith("/api/v1/admin/")}
    assert set(admin) == {
        "/api/v1/admin/authors",
        "/api/v1/admin/authors/{name}",
        "/api/v1/admin/brands",
        "/api/v1/admin/brands/{name}",
    }
    assert set(admin["/api/v1/admin/authors/{name}"]) == {"get", "patch", "delete"}
    for ops in admin.values():
        for op in ops.values():
            assert op["tags"] == ["admin"]
            assert "Admin-only" in op["description"]
            assert {"401", "403"} <= set(op["responses"])
            assert op["security"] == [{"serviceToken": []}, {"sessionCookie": []}]
    delete_doc = admin["/api/v1/admin/authors/{name}"]["delete"]["description"]
    assert "kept" in delete_doc
    assert "posts refer to authors" in delete_doc
    assert "409" in admin["/api/v1/admin/authors"]["post"]["responses"]
    assert "/api/v1/authors" not in paths  # the old routes moved here


def test_old_author_paths_are_gone(api: Client) -> None:
    assert api.get("/api/v1/authors/").status_code == 404
    assert api.post("/api/v1/authors/", json={"name": "x"}).status_code in (404, 405)
