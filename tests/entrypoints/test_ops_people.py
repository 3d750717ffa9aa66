"""The console's users and content pages over plain HTTP (Litestar's test client, no browser):
admins only, CSRF on every button, promote and demote, publish and unpublish, preferred on and off,
retrying a failed upload with a corrected export, and bad input answered with a 4xx that says what
to fix where the page shows messages."""

from __future__ import annotations

import html
import io
from pathlib import Path
from typing import Any

from litestar.testing import TestClient

from changple_domain.model.content import ContentState, NewContent
from changple_domain.model.users import NewUser, SocialProfile, UserRole
from changple_domain.use_cases.accounts import set_role
from changple_domain.use_cases.content_uploads import UploadContent
from changple_entrypoints.composition.container import Container
from changple_entrypoints.http.app import create_app
from tests.entrypoints.console_support import login_link, seeded_container
from tests.entrypoints.draining import drain
from tests.entrypoints.test_ops_http import HX, admin, container, csrf_of, visitor
from tests.fixtures.uploads import hostile_uploads, notion_export

__all__ = ["admin", "container", "visitor"]  # the console's fixtures: a seeded install, its signed-in admin

BROKEN = next(h.data for h in hostile_uploads() if h.name == "bad_image")  # passes the check, refused by processing


def add_reader(container: Container, nickname: str = "창업준비생") -> int:
    uow = container.uow()
    with uow:
        user = uow.users.add(
            NewUser(
                profile=SocialProfile(social_id=f"nv-{nickname}", nickname=nickname), created_at=container.clock().now()
            )
        )
        uow.commit()
    return user.id


def add_content(container: Container, title: str, archive: bytes) -> int:
    """Uploaded and processed at once, as `changple content upload` does."""
    content = container.publish_upload(UploadContent(title=title), io.BytesIO(archive))
    return int(content.id)


def retry(client: Any, content_id: int, export: bytes, *, headers: dict[str, str]) -> Any:
    """Press Retry on a failed upload's row with `export` as the corrected zip."""
    files = {"file": ("export.zip", export, "application/zip")}
    return client.post("/ops/content/retry", data={"content_id": str(content_id)}, files=files, headers=headers)


def state_of(container: Container, content_id: int) -> Any:
    uow = container.uow()
    with uow:
        return uow.contents.get(content_id)


def role_of(container: Container, user_id: int) -> UserRole:
    uow = container.uow()
    with uow:
        user = uow.users.get(user_id)
    assert user is not None
    return user.role


# --- who gets in -----------------------------------------------------------------------------------

PAGES = ["/ops/users", "/ops/content"]
BUTTONS = [
    ("/ops/users/role", {"user_id": "1", "role": "social"}),
    ("/ops/content/published", {"content_id": "1", "published": "false"}),
    ("/ops/content/preferred", {"content_id": "1", "preferred": "true"}),
]


def test_visitors_and_social_users_are_turned_away_and_change_nothing(admin: Any, container: Container) -> None:
    reader = add_reader(container)
    csrf = csrf_of(admin)
    with TestClient(app=admin.app) as anonymous:
        for path in PAGES:
            assert anonymous.get(path).status_code == 401
        for path, form in BUTTONS:
            assert anonymous.post(path, data=form).status_code == 401, path
    uow = container.uow()
    with uow:
        [local, _] = uow.users.list()
    set_role(local.id, UserRole.SOCIAL, uow=container.uow())
    for path in PAGES:
        refused = admin.get(path)
        assert refused.status_code == 403, path
        assert "not an admin" in refused.text
    promote = admin.post("/ops/users/role", data={"user_id": str(reader), "role": "admin"}, headers=csrf)
    assert promote.status_code == 403
    assert role_of(container, reader) is UserRole.SOCIAL


def test_every_button_needs_the_pages_csrf_token(admin: Any, container: Container) -> None:
    reader = add_reader(container)
    for path, form in BUTTONS:
        refused = admin.post(path, data=form, headers=HX)
        assert refused.status_code == 403, path
        assert "reload the page" in refused.text
        forged = admin.post(path, data=form, headers={"X-CSRF-Token": "0" * 128, **HX})
        assert forged.status_code == 403, path
    no_token = admin.post("/ops/users/role", data={"user_id": str(reader), "role": "admin"}, headers=HX)
    assert no_token.status_code == 403
    assert role_of(container, reader) is UserRole.SOCIAL
    refused = add_content(container, "깨진 이미지", BROKEN)
    pressed = retry(admin, refused, notion_export(), headers=HX)
    assert pressed.status_code == 403
    assert state_of(container, refused).state is ContentState.FAILED


# --- users -----------------------------------------------------------------------------------------


def test_the_users_page_shows_roles_and_sign_ins_and_promote_works(admin: Any, container: Container) -> None:
    reader = add_reader(container)
    page = admin.get("/ops/users")
    assert page.status_code == 200
    assert f'id="user-{reader}"' in page.text
    assert "창업준비생" in page.text
    assert "(you)" in page.text  # the local admin, signed in
    assert "KST" in page.text  # sign-up and last sign-in times, on the cafe's clock

    promoted = admin.post("/ops/users/role", data={"user_id": str(reader), "role": "admin"}, headers=csrf_of(admin))
    assert promoted.status_code == 200
    assert "창업준비생 is now an admin" in promoted.text
    assert role_of(container, reader) is UserRole.ADMIN
    row = promoted.text.split(f'id="user-{reader}"')[1].split("</tr>")[0]
    assert ">admin</span>" in row
    assert ">Demote</button>" in row
    assert f'id="user-{reader}" class="user admin"' in admin.get("/ops/users").text  # and it stays so

    demoted = admin.post("/ops/users/role", data={"user_id": str(reader), "role": "social"}, headers=csrf_of(admin))
    assert "창업준비생 is no longer an admin" in demoted.text
    assert role_of(container, reader) is UserRole.SOCIAL


def test_bad_user_forms_are_a_4xx_that_says_what_to_fix(admin: Any, container: Container) -> None:
    csrf = csrf_of(admin)
    cases = [
        ({"user_id": "424242", "role": "admin"}, 404, "no user with id 424242"),
        ({"user_id": "1", "role": "owner"}, 400, "role"),
        ({"user_id": "abc", "role": "admin"}, 400, "user_id"),
        ({"user_id": "0", "role": "admin"}, 400, "user_id"),
        ({"user_id": str(2**63), "role": "admin"}, 400, "user_id"),
        ({"role": "admin"}, 400, "user_id"),
    ]
    for form, status, words in cases:
        answer = admin.post("/ops/users/role", data=form, headers=csrf)
        assert answer.status_code == status, (form, answer.text)
        assert words in html.unescape(answer.text), (form, answer.text)
        assert answer.headers["hx-retarget"] == "#flash"


# --- content ---------------------------------------------------------------------------------------


def test_the_content_page_shows_state_reason_and_views_and_the_buttons_work(admin: Any, container: Container) -> None:
    column = add_content(container, "가맹 계약 체크리스트", notion_export())
    refused = add_content(container, "깨진 이미지", BROKEN)
    reader = add_reader(container)
    container.record_content_view(reader, column)

    page = admin.get("/ops/content")
    assert page.status_code == 200
    row = page.text.split(f'id="content-{column}"')[1].split("</tr>")[0]
    assert ">published</span>" in row
    assert '<td data-label="views">1</td>' in row
    assert ">Unpublish</button>" in row
    assert "Retry" not in row  # only a failed upload is retried
    failed_row = page.text.split(f'id="content-{refused}"')[1].split("</tr>")[0]
    assert ">failed</span>" in failed_row
    failure = state_of(container, refused).failure
    assert failure
    assert failure in html.unescape(failed_row)  # why it was refused
    assert ">Retry</button>" in failed_row
    assert "Unpublish" not in failed_row

    csrf = csrf_of(admin)
    down = admin.post("/ops/content/published", data={"content_id": column, "published": "false"}, headers=csrf)
    assert down.status_code == 200
    assert "is unpublished: readers no longer see it" in html.unescape(down.text)
    assert state_of(container, column).state is ContentState.UNPUBLISHED
    assert admin.get("/api/v1/content/columns/").json()["total"] == 0  # gone from the readers' list
    up = admin.post("/ops/content/published", data={"content_id": column, "published": "true"}, headers=csrf)
    assert "가맹 계약 체크리스트' is published" in html.unescape(up.text)
    assert state_of(container, column).state is ContentState.PUBLISHED

    preferred = admin.post("/ops/content/preferred", data={"content_id": column, "preferred": "true"}, headers=csrf)
    assert "is preferred" in preferred.text
    assert state_of(container, column).is_preferred
    assert [c["id"] for c in admin.get("/api/v1/content/preferred/").json()["items"]] == [column]
    off = admin.post("/ops/content/preferred", data={"content_id": column, "preferred": "false"}, headers=csrf)
    assert "is no longer preferred" in off.text
    assert not state_of(container, column).is_preferred


def test_a_failed_upload_is_retried_with_a_corrected_export(admin: Any, container: Container) -> None:
    refused = add_content(container, "깨진 이미지", BROKEN)
    csrf = csrf_of(admin)
    still_bad = retry(admin, refused, b"not a zip at all", headers=csrf)
    assert still_bad.status_code == 400
    assert "zip" in html.unescape(still_bad.text)
    assert state_of(container, refused).state is ContentState.FAILED

    retried = retry(admin, refused, notion_export(), headers=csrf)
    assert retried.status_code == 200, retried.text
    assert "'깨진 이미지' is being processed again from the new export" in html.unescape(retried.text)
    assert state_of(container, refused).state is ContentState.PROCESSING
    drain(container)
    done = state_of(container, refused)
    assert (done.state, done.failure, done.title) == (ContentState.PUBLISHED, None, "깨진 이미지")

    again = retry(admin, refused, notion_export(), headers=csrf)
    assert again.status_code == 409
    assert "only a failed upload can be retried" in html.unescape(again.text)


def test_bad_content_forms_are_a_4xx_that_says_what_to_fix(admin: Any, container: Container) -> None:
    refused = add_content(container, "깨진 이미지", BROKEN)
    csrf = csrf_of(admin)
    cases = [
        ("/ops/content/published", {"content_id": "424242", "published": "true"}, 404, "no content with id 424242"),
        ("/ops/content/published", {"content_id": str(refused), "published": "true"}, 409, "is failed"),
        ("/ops/content/published", {"content_id": "1", "published": "maybe"}, 400, "published"),
        ("/ops/content/preferred", {"content_id": "424242", "preferred": "true"}, 404, "no content with id 424242"),
        ("/ops/content/preferred", {"content_id": "-1", "preferred": "true"}, 400, "content_id"),
        ("/ops/content/preferred", {"preferred": "true"}, 400, "content_id"),
    ]
    for path, form, status, words in cases:
        answer = admin.post(path, data=form, headers=csrf)
        assert answer.status_code == status, (path, form, answer.text)
        assert words in html.unescape(answer.text), (path, form, answer.text)
        assert answer.headers["hx-retarget"] == "#flash"
    zip_part = {"file": ("export.zip", notion_export(), "application/zip")}
    for form, files, status, words in [
        ({"content_id": "424242"}, zip_part, 404, "no content with id 424242"),
        ({"content_id": "0"}, zip_part, 400, "content_id"),
        ({"content_id": str(refused)}, {"other": ("x.txt", b"x", "text/plain")}, 400, "file"),
    ]:
        answer = admin.post("/ops/content/retry", data=form, files=files, headers=csrf)
        assert answer.status_code == status, (form, answer.text)
        assert words in html.unescape(answer.text), (form, answer.text)
    assert state_of(container, refused).state is ContentState.FAILED


def test_a_retried_export_is_held_to_the_upload_size_limit(tmp_path: Path) -> None:
    container = seeded_container(tmp_path, content_max_upload_mb=0.001)  # about 1 KB
    uow, now = container.uow(), container.clock().now()
    with uow:  # refused earlier, under a larger limit
        added = uow.contents.add(NewContent(title="깨진 이미지", upload_key="uploads/gone.zip", created_at=now))
        uow.contents.save(added.model_copy(update={"state": ContentState.FAILED, "failure": "bad", "upload_key": None}))
        uow.commit()
    refused = added.id
    with TestClient(app=create_app(container)) as client:
        assert client.get(login_link(container), follow_redirects=False).status_code == 303
        answer = retry(client, refused, notion_export(), headers=csrf_of(client))
    assert answer.status_code == 400, answer.text
    assert "the limit is 1,048" in html.unescape(answer.text)
    assert state_of(container, refused).state is ContentState.FAILED
