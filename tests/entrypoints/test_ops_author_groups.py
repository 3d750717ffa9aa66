"""Author groups in the operations console: the add form's group select, the list's group filter
and each row's select that moves an author to another group (htmx, with the CSRF token), over
Litestar's test client and once in headless Chromium."""

from __future__ import annotations

import html
import re
from typing import Any

from changple_domain.model.authors import AllowedAuthor, AuthorGroup
from changple_entrypoints.composition.container import Container
from tests.entrypoints import test_ops_http
from tests.entrypoints.console_support import Console, login_link
from tests.entrypoints.test_ops_http import csrf_of

pytest_plugins = ["tests.fixtures.naver_cafe.pytest_plugin", "tests.entrypoints.console_browser"]

# The plain-HTTP console's fixtures: a seeded store, and a client signed in as the local admin.
container, visitor, admin = test_ops_http.container, test_ops_http.visitor, test_ops_http.admin


def _stored(container: Container, name: str) -> AllowedAuthor | None:
    uow = container.uow()
    with uow:
        return uow.authors.get(name)


def _names(fragment: str) -> list[str]:
    return [html.unescape(n) for n in re.findall(r'<td class="head">([^<]*)</td>', fragment)]


def test_the_catalog_page_offers_the_groups(admin: Any) -> None:
    page = admin.get("/ops/catalog").text
    add_form = page[page.index('hx-post="/ops/catalog/authors"') :]
    add_select = add_form[add_form.index('<select name="detail"') : add_form.index("</select>")]
    assert re.findall(r'<option value="([^"]*)"', add_select) == ["창플", "팀비즈니스", "기타"]
    assert '<option value="창플" selected>' in add_select  # the default, as in changple2
    assert 'id="author-group-filter"' in page
    assert "every group" in page
    # Each author's row carries a select that posts its new group.
    assert page.count('hx-post="/ops/catalog/authors/detail"') == page.count('<tr class="author')
    # Brands keep a free-text description and no group filter.
    brands = page[page.index('id="brands-card"') :]
    assert '<input name="detail"' in brands
    assert "every group" not in brands
    assert "/ops/catalog/brands/detail" not in brands


def test_add_filter_and_regroup_an_author(admin: Any, container: Container) -> None:
    csrf = csrf_of(admin)
    added = admin.post("/ops/catalog/authors", data={"name": "새 작가", "detail": "팀비즈니스"}, headers=csrf)
    assert added.status_code == 200, added.text
    assert _stored(container, "새 작가") == AllowedAuthor(name="새 작가", group=AuthorGroup.TEAM_BUSINESS)
    assert admin.post("/ops/catalog/authors", data={"name": "무소속"}, headers=csrf).status_code == 200
    assert _stored(container, "무소속") == AllowedAuthor(name="무소속")  # no group given: 창플

    team = admin.get("/ops/catalog/authors", params={"detail": "팀비즈니스"}).text
    uow = container.uow()
    with uow:
        expected = [a.name for a in uow.authors.list(detail="팀비즈니스")]
    assert "새 작가" in expected
    assert _names(team) == expected
    every = admin.get("/ops/catalog/authors", params={"detail": ""}).text  # "every group"
    with uow:
        assert _names(every) == [a.name for a in uow.authors.list()]

    moved = admin.post("/ops/catalog/authors/detail", data={"name": "새 작가", "detail": "기타"}, headers=csrf)
    assert moved.status_code == 200, moved.text
    assert "author '새 작가': group 기타" in html.unescape(moved.text)
    assert _stored(container, "새 작가") == AllowedAuthor(name="새 작가", group=AuthorGroup.OTHER)
    row = moved.text[moved.text.index("새 작가</td>") :]
    assert '<option value="기타" selected>' in row[: row.index("</select>")]


def test_bad_groups_are_a_4xx_that_lists_the_groups(admin: Any, container: Container) -> None:
    csrf = csrf_of(admin)
    assert admin.post("/ops/catalog/authors", data={"name": "작가"}, headers=csrf).status_code == 200
    for path, form, status, words in [
        ("/ops/catalog/authors", {"name": "다른 작가", "detail": "운영진"}, 400, "one of 창플, 팀비즈니스, 기타"),
        ("/ops/catalog/authors/detail", {"name": "작가", "detail": "1기"}, 400, "one of 창플, 팀비즈니스, 기타"),
        ("/ops/catalog/authors/detail", {"name": "작가", "detail": ""}, 400, "one of 창플, 팀비즈니스, 기타"),
        ("/ops/catalog/authors/detail", {"name": "작가"}, 400, "detail"),
        ("/ops/catalog/authors/detail", {"name": "없는 사람", "detail": "기타"}, 404, "no allowed author"),
    ]:
        answer = admin.post(path, data=form, headers=csrf)
        assert answer.status_code == status, (path, form, answer.text)
        assert words in html.unescape(answer.text), (path, form)
        assert answer.headers["hx-retarget"] == "#flash"
    assert _stored(container, "작가") == AllowedAuthor(name="작가")  # unchanged
    assert _stored(container, "다른 작가") is None
    unknown = admin.get("/ops/catalog/authors", params={"detail": "운영진"})
    assert unknown.status_code == 400
    assert "one of 창플, 팀비즈니스, 기타" in html.unescape(unknown.text)
    # The regroup form rides on the session, so it needs the CSRF token like every other action.
    forged = admin.post(
        "/ops/catalog/authors/detail", data={"name": "작가", "detail": "기타"}, headers={"HX-Request": "true"}
    )
    assert forged.status_code == 403
    assert _stored(container, "작가") == AllowedAuthor(name="작가")


def test_an_admin_moves_an_author_to_another_group_in_the_browser(console: Console, page: Any) -> None:
    from playwright.sync_api import expect

    page.goto(console.base + login_link(console.container))
    page.get_by_role("link", name="Authors & brands").click()
    authors = page.locator("#authors")

    page.locator("#author-name").fill("그룹 옮길 작가")
    page.locator("#author-group").select_option("팀비즈니스")
    page.locator("#add-author").click()
    expect(authors).to_contain_text("added author '그룹 옮길 작가'")
    row_select = authors.get_by_label("group of 그룹 옮길 작가")
    expect(row_select).to_have_value("팀비즈니스")

    row_select.select_option("기타")
    expect(authors).to_contain_text("author '그룹 옮길 작가': group 기타")
    expect(authors.get_by_label("group of 그룹 옮길 작가")).to_have_value("기타")
    assert _stored(console.container, "그룹 옮길 작가") == AllowedAuthor(name="그룹 옮길 작가", group=AuthorGroup.OTHER)

    page.locator("#author-group-filter").select_option("기타")
    uow = console.container.uow()
    with uow:
        others = len(uow.authors.list(detail="기타"))
    expect(authors).to_contain_text(f"{others} author{'' if others == 1 else 's'}")
    expect(authors.locator("tr.author")).to_have_count(others)
    for group in authors.locator("tr.author select").all():
        expect(group).to_have_value("기타")
