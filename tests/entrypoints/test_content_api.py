"""Notion content through the real app: admins upload exports (processed by the in-process
Dramatiq worker), readers read published columns and their files, signed-in readers keep a view
history, the chat attaches plain text. The hostile corpus is refused with its reason over HTTP and
leaves no file behind."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient
from PIL import Image

from changple_adapters.sql.migrations import upgrade_database
from changple_domain.use_cases import content_library as library
from changple_domain.use_cases.accounts import delete_account
from changple_entrypoints.composition.bootstrap import build_container
from changple_entrypoints.composition.container import Container
from changple_entrypoints.http.app import create_app
from changple_entrypoints.settings import Settings
from tests.entrypoints.callers import as_admin
from tests.entrypoints.draining import drain
from tests.entrypoints.openapi import documented
from tests.entrypoints.readers import Reader, make_user, reader_client
from tests.fixtures.uploads import HOSTILE_LIMITS, HostileUpload, hostile_uploads, notion_export, png_bytes

CONTENT = "/api/v1/content/"
MIB = 1024 * 1024

Client = TestClient[Any]


def _settings(tmp_path: Path, **overrides: Any) -> Settings:
    limits = HOSTILE_LIMITS
    values: dict[str, Any] = {
        "_env_file": None,
        "data_dir": tmp_path / "data",
        "redis_url": None,
        "content_max_upload_mb": limits.max_upload_bytes / MIB,
        "content_max_entries": limits.max_entries,
        "content_max_total_mb": limits.max_total_bytes / MIB,
        "content_max_compression_ratio": limits.max_compression_ratio,
        "content_max_image_pixels": limits.max_image_pixels,
        "content_max_image_side": 256,
        "content_thumbnail_side": 64,
        **overrides,
    }
    return Settings(**values)


@pytest.fixture
def container(tmp_path: Path) -> Container:
    settings = _settings(tmp_path)
    upgrade_database(settings.resolved_database_url)
    return build_container(settings)


@pytest.fixture
def admin(container: Container) -> Iterator[Client]:
    with TestClient(app=create_app(container)) as client:
        yield as_admin(client, container)


@pytest.fixture
def anonymous(container: Container) -> Iterator[Client]:
    with TestClient(app=create_app(container)) as client:
        yield client


@pytest.fixture
def reader(container: Container) -> Iterator[Reader]:
    user = make_user(container)
    client = reader_client(container, user)
    try:
        yield Reader(client, user)
    finally:
        client.__exit__(None, None, None)


def upload(client: Client, data: bytes, *, title: str = "가맹 계약 체크리스트", **fields: Any) -> Any:
    files: dict[str, Any] = {"file": ("export.zip", data, "application/zip")}
    thumbnail = fields.pop("thumbnail", None)
    if thumbnail is not None:
        files["thumbnail"] = ("thumb.png", thumbnail, "image/png")
    return client.post(CONTENT, data={"title": title, **fields}, files=files)


def publish(client: Client, container: Container, data: bytes | None = None, **fields: Any) -> dict[str, Any]:
    accepted = upload(client, data or notion_export(), **fields)
    assert accepted.status_code == 202, accepted.text
    drain(container)
    found = client.get(f"{CONTENT}{accepted.json()['id']}/")
    assert found.status_code == 200, found.text
    assert found.json()["state"] == "published", found.json()
    return dict(found.json())


def stored_files(container: Container) -> list[str]:
    root = container.settings().data_dir / "files"
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


# --- publishing ---------------------------------------------------------------------------------


def test_an_export_is_published_with_safe_html_images_and_a_thumbnail(
    admin: Client, anonymous: Client, container: Container
) -> None:
    accepted = upload(admin, notion_export(), description="계약 전에 꼭 보세요", is_preferred="true")
    assert accepted.status_code == 202, accepted.text
    body = accepted.json()
    assert body["state"] == "processing"
    assert accepted.headers["location"] == f"{CONTENT}{body['id']}/"
    assert anonymous.get(f"{CONTENT}{body['id']}/").status_code == 404  # not published yet

    drain(container)
    content = anonymous.get(f"{CONTENT}{body['id']}/").json()
    assert content["state"] == "published"
    assert content["is_preferred"] is True
    assert content["description"] == "계약 전에 꼭 보세요"
    html = content["html"]
    assert f"/api/v1/content/{body['id']}/files/img-001" in html
    assert "<script" not in html.lower()

    image_urls = [part.split('"')[0] for part in html.split('src="')[1:]]
    assert len(image_urls) >= 2
    types = set()
    for url in image_urls:
        served = anonymous.get(url)
        assert served.status_code == 200, url
        assert "default-src 'none'" in served.headers["content-security-policy"]
        assert served.headers["x-content-type-options"] == "nosniff"
        types.add(served.headers["content-type"])
        image = Image.open(io.BytesIO(served.content))
        assert 0x8825 not in image.getexif()  # no GPS
    assert "image/jpeg" in types  # the HEIC image became a JPEG

    thumbnail = anonymous.get(content["thumbnail_url"])
    assert thumbnail.headers["content-type"] == "image/jpeg"
    assert max(Image.open(io.BytesIO(thumbnail.content)).size) <= 64
    page = anonymous.get(content["page_url"])
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert page.headers["content-security-policy"].endswith("; sandbox allow-same-origin")  # no allow-scripts
    assert "script-src" not in page.headers["content-security-policy"]  # default-src 'none' covers scripts

    columns = anonymous.get(f"{CONTENT}columns/").json()
    assert [c["id"] for c in columns["items"]] == [body["id"]]
    assert anonymous.get(f"{CONTENT}preferred/").json()["total"] == 1
    assert not [f for f in stored_files(container) if f.startswith("uploads/")]  # the raw zip is gone


def test_a_given_thumbnail_is_used_and_unknown_files_are_not_served(admin: Client, container: Container) -> None:
    content = publish(admin, container, thumbnail=png_bytes(300, 200, color=(10, 200, 10)))
    thumbnail = Image.open(io.BytesIO(admin.get(content["thumbnail_url"]).content)).convert("RGB")
    red, green, _ = thumbnail.getpixel((thumbnail.width // 2, thumbnail.height // 2))  # type: ignore[misc]
    assert green > 150 > red
    for name in ("img-999.png", "page.html", "..%2Fpage.html", "img-001.exe"):
        assert admin.get(f"{CONTENT}{content['id']}/files/{name}").status_code == 404, name


def test_admins_edit_and_delete_content_and_deletion_removes_every_file(
    admin: Client, anonymous: Client, container: Container
) -> None:
    content = publish(admin, container)
    content_id = content["id"]
    changed = admin.patch(f"{CONTENT}{content_id}/", json={"title": "  새   제목 ", "is_preferred": True})
    assert changed.status_code == 200, changed.text
    assert changed.json()["title"] == "새 제목"
    nothing = admin.patch(f"{CONTENT}{content_id}/", json={})
    assert nothing.status_code == 400
    assert "nothing to change" in nothing.json()["detail"]
    blank = admin.patch(f"{CONTENT}{content_id}/", json={"title": "   "})
    assert blank.status_code == 400

    assert any(f.startswith(f"content/{content_id}/") for f in stored_files(container))
    assert container.content_index().fetch([f"content-{content_id}"])  # published with a vector
    assert admin.delete(f"{CONTENT}{content_id}/").status_code == 204
    assert anonymous.get(f"{CONTENT}{content_id}/").status_code == 404
    assert stored_files(container) == []
    drain(container)  # the worker forgets the vector
    assert container.content_index().fetch([f"content-{content_id}"]) == {}
    assert admin.delete(f"{CONTENT}{content_id}/").status_code == 404
    assert admin.patch(f"{CONTENT}{content_id}/", json={"title": "x"}).status_code == 404


def test_uploads_and_edits_are_for_admins_only(anonymous: Client, reader: Reader, container: Container) -> None:
    assert upload(anonymous, notion_export()).status_code == 401
    refused = reader.http.post(
        CONTENT,
        data={"title": "x"},
        files={"file": ("e.zip", notion_export(), "application/zip")},
        headers=reader.csrf_headers(),
    )
    assert refused.status_code == 403
    assert anonymous.get(f"{CONTENT}columns/", params={"state": "failed"}).status_code == 401
    assert reader.http.get(f"{CONTENT}columns/", params={"state": "processing"}).status_code == 403
    assert stored_files(container) == []


# --- refusals -----------------------------------------------------------------------------------


@pytest.mark.hostile
@pytest.mark.parametrize("hostile", hostile_uploads(), ids=lambda h: h.name)
def test_hostile_uploads_are_refused_with_the_reason_and_leave_nothing(
    hostile: HostileUpload, admin: Client, container: Container
) -> None:
    answer = upload(admin, hostile.data)
    if hostile.stage == "check":
        assert answer.status_code == 400, answer.text
        assert answer.json()["error"] == f"upload_{hostile.reason}", answer.json()
        assert len(answer.json()["detail"]) > 20
        assert admin.get(f"{CONTENT}columns/", params={"state": "failed"}).json()["total"] == 0
    else:
        assert answer.status_code == 202, answer.text
        drain(container)
        content = admin.get(f"{CONTENT}{answer.json()['id']}/").json()
        assert content["state"] == "failed"
        assert content["failure"], content
        assert content["html"] is None
    assert stored_files(container) == []


@pytest.mark.hostile
def test_malformed_upload_requests_get_a_clear_400_or_413(admin: Client, container: Container) -> None:
    no_file = admin.post(CONTENT, data={"title": "제목"}, files={"other": ("x.txt", b"x", "text/plain")})
    assert no_file.status_code == 400
    assert "file" in no_file.json()["detail"]
    no_title = admin.post(CONTENT, files={"file": ("e.zip", notion_export(), "application/zip")})
    assert no_title.status_code == 400
    assert "title" in no_title.json()["detail"]
    as_json = admin.post(CONTENT, json={"title": "x"})
    assert as_json.status_code == 400
    empty_title = upload(admin, notion_export(), title="   ")
    assert empty_title.status_code == 400
    assert "title" in empty_title.json()["detail"]
    too_big = upload(admin, b"PK" + b"\0" * (HOSTILE_LIMITS.max_upload_bytes + 1024))
    assert too_big.status_code in (400, 413)
    assert too_big.json()["error"] in ("invalid_input", "too_large")
    assert stored_files(container) == []


def _form(*parts: bytes) -> tuple[bytes, dict[str, str]]:
    boundary = "fuzz-boundary"
    body = b"".join(b"--" + boundary.encode() + b"\r\n" + part + b"\r\n" for part in parts)
    return body + b"--" + boundary.encode() + b"--\r\n", {"Content-Type": f"multipart/form-data; boundary={boundary}"}


@pytest.mark.hostile
@pytest.mark.parametrize(
    "title_part",
    [
        b'Content-Disposition: form-data; name="title"\r\n\r\n\xff\xfe not utf-8',
        b'Content-Disposition: form-data; name="title"\r\nContent-Type: text/plain; charset=x-nothing\r\n\r\nx',
    ],
    ids=["bytes-not-utf8", "unknown-charset"],
)
def test_a_form_field_that_is_not_text_is_a_400_not_a_500(
    admin: Client, container: Container, title_part: bytes
) -> None:
    """Found by the fuzzer: Litestar's form parser let the decoding error through as a 500."""
    archive = b'Content-Disposition: form-data; name="file"; filename="e.zip"\r\nContent-Type: application/zip\r\n\r\n'
    body, headers = _form(title_part, archive + notion_export())
    answer = admin.post(CONTENT, content=body, headers=headers)
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"] == "invalid_input"
    assert "UTF-8" in answer.json()["detail"]
    assert stored_files(container) == []


@pytest.mark.hostile
def test_ids_and_offsets_no_store_can_hold_are_a_400_not_a_500(anonymous: Client) -> None:
    """Found by the fuzzer: an id past 2**63 reached SQLite, which overflowed into a 500."""
    too_big = 2**63
    for answer in (
        anonymous.post(f"{CONTENT}attachment/", json={"content_ids": [1, too_big]}),
        anonymous.get(f"{CONTENT}{too_big}/"),
        anonymous.get(f"{CONTENT}columns/", params={"offset": too_big}),
    ):
        assert answer.status_code == 400, answer.text
        assert answer.json()["error"] == "invalid_input"
    assert anonymous.get(f"{CONTENT}{2**63 - 1}/").status_code == 404  # the largest id is merely unknown


def test_state_given_by_a_visitor_is_a_documented_401(anonymous: Client) -> None:
    """Found by the fuzzer: the 401 was answered but the schema listed only 403."""
    assert anonymous.get(f"{CONTENT}columns/", params={"state": "failed"}).status_code == 401
    assert {"401", "403"} <= set(documented(anonymous, "GET", "/api/v1/content/columns"))


# --- readers ------------------------------------------------------------------------------------


def test_views_count_once_per_window_and_make_the_readers_history(
    admin: Client, reader: Reader, anonymous: Client, container: Container
) -> None:
    first = publish(admin, container, title="첫 번째")
    second = publish(admin, container, title="두 번째")
    assert reader.post(f"{CONTENT}view/", json={"content_id": first["id"]}).json() == {"counted": True}
    assert reader.post(f"{CONTENT}view/", json={"content_id": first["id"]}).json() == {"counted": False}
    assert reader.post(f"{CONTENT}view/", json={"content_id": second["id"]}).json() == {"counted": True}
    assert reader.post(f"{CONTENT}view/", json={"content_id": 999}).status_code == 404
    assert reader.post(f"{CONTENT}view/", json={"content_id": "x"}).status_code == 400
    assert reader.http.post(f"{CONTENT}view/", json={"content_id": first["id"]}).status_code == 403  # no CSRF

    history = reader.http.get(f"{CONTENT}history/").json()
    assert [item["content"]["id"] for item in history["items"]] == [second["id"], first["id"]]
    assert history["total"] == 2
    assert (
        reader.http.get(f"{CONTENT}history/", params={"limit": 1, "offset": 1}).json()["items"][0]["content"]["id"]
        == first["id"]
    )

    assert anonymous.get(f"{CONTENT}history/").status_code == 401
    assert anonymous.post(f"{CONTENT}view/", json={"content_id": first["id"]}).status_code == 401
    assert admin.get(f"{CONTENT}history/").status_code == 403  # a service token has no history

    delete_account(reader.user.id, uow=container.uow())
    uow = container.uow()
    with uow:
        assert uow.content_views.count_history(reader.user.id) == 0


def test_attachment_gives_plain_text_within_the_cap(admin: Client, anonymous: Client, container: Container) -> None:
    first = publish(admin, container)
    second = publish(admin, container, title="두 번째")
    attached = anonymous.post(f"{CONTENT}attachment/", json={"content_ids": [second["id"], first["id"]]})
    assert attached.status_code == 200, attached.text
    items = attached.json()["items"]
    assert [i["content_id"] for i in items] == [second["id"], first["id"]]
    assert "가맹" in items[0]["text"]
    assert "\n\n" in items[0]["text"]  # paragraphs kept
    assert attached.json()["max_chars"] == container.settings().content_attachment_max_chars

    missing = anonymous.post(f"{CONTENT}attachment/", json={"content_ids": [first["id"], 4242]})
    assert missing.status_code == 404
    assert "4242" in missing.json()["detail"]
    assert anonymous.post(f"{CONTENT}attachment/", json={"content_ids": []}).status_code == 400
    assert anonymous.post(f"{CONTENT}attachment/", json=None).status_code == 400


def test_attachment_cuts_texts_once_the_budget_is_spent(tmp_path: Path) -> None:
    settings = _settings(tmp_path, content_attachment_max_chars=40)
    upgrade_database(settings.resolved_database_url)
    container = build_container(settings)
    with TestClient(app=create_app(container)) as client:
        as_admin(client, container)
        first, second = publish(client, container), publish(client, container)
        items = client.post(f"{CONTENT}attachment/", json={"content_ids": [first["id"], second["id"]]}).json()["items"]
    assert len(items[0]["text"]) == 40
    assert items[0]["truncated"] is True
    assert items[1]["text"] == ""
    assert items[1]["truncated"] is True


def test_recommendations_prefer_similar_content_and_fall_back_to_recent(admin: Client, container: Container) -> None:
    franchise = "<h1>가맹 계약</h1><p>가맹 계약서의 위약금 조항과 가맹비 반환 조건을 확인하세요.</p>"
    similar = "<h1>가맹 계약 해지</h1><p>가맹 계약 해지 때 위약금과 가맹비 반환을 다룹니다.</p>"
    unrelated = "<h1>주방 설비</h1><p>업소용 냉장고와 튀김기 관리 요령, 청소 주기.</p>"
    a = publish(admin, container, notion_export(body_html=franchise, images={}), title="가맹 계약")
    b = publish(admin, container, notion_export(body_html=unrelated, images={}), title="주방 설비")
    c = publish(admin, container, notion_export(body_html=similar, images={}), title="가맹 계약 해지")
    picked = admin.get(f"{CONTENT}recommended/{a['id']}/", params={"limit": 2}).json()
    assert (picked["total"], picked["limit"], picked["offset"]) == (2, 2, 0)  # the two other columns
    picked = picked["items"]
    assert [p["id"] for p in picked] == [c["id"], b["id"]]
    assert admin.get(f"{CONTENT}recommended/4242/").status_code == 404

    container.content_index().delete([f"content-{a['id']}"])  # no vector: the newest others
    fallback = admin.get(f"{CONTENT}recommended/{a['id']}/", params={"limit": 5}).json()["items"]
    assert [p["id"] for p in fallback] == [c["id"], b["id"]]


def test_pages_of_columns_are_newest_first(admin: Client, anonymous: Client, container: Container) -> None:
    ids = [publish(admin, container, title=f"칼럼 {n}")["id"] for n in range(3)]
    first = anonymous.get(f"{CONTENT}columns/", params={"limit": 2}).json()
    assert [c["id"] for c in first["items"]] == [ids[2], ids[1]]
    assert first["total"] == 3
    rest = anonymous.get(f"{CONTENT}columns/", params={"limit": 2, "offset": 2}).json()
    assert [c["id"] for c in rest["items"]] == [ids[0]]
    assert anonymous.get(f"{CONTENT}columns/", params={"limit": 0}).status_code == 400


def test_the_cached_public_list_follows_every_upload_publish_edit_and_delete(
    admin: Client, anonymous: Client, container: Container
) -> None:
    def listed() -> list[tuple[int, str, bool]]:
        answer = anonymous.get(f"{CONTENT}columns/")
        assert answer.status_code == 200
        return [(c["id"], c["title"], c["is_preferred"]) for c in answer.json()["items"]]

    assert listed() == []
    accepted = upload(admin, notion_export(), title="첫 칼럼")
    assert listed() == []  # processing: not public yet, and the upload itself changed the generation
    drain(container)  # the worker publishes
    content_id = accepted.json()["id"]
    assert listed() == [(content_id, "첫 칼럼", False)]
    assert admin.patch(f"{CONTENT}{content_id}/", json={"title": "고친 제목", "is_preferred": True}).status_code == 200
    assert listed() == [(content_id, "고친 제목", True)]
    # Another process on the same data directory (the CLI) edits: this process sees it too.
    other = build_container(container.settings())
    library.update_content(content_id, uow=other.uow(), now=datetime.now(UTC), title="다른 프로세스")
    assert listed() == [(content_id, "다른 프로세스", True)]
    assert admin.delete(f"{CONTENT}{content_id}/").status_code == 204
    assert listed() == []
    # Admins asking for another state are never answered from the public cache.
    assert admin.get(f"{CONTENT}columns/", params={"state": "processing"}).json()["items"] == []
    assert anonymous.get(f"{CONTENT}columns/", params={"state": "failed"}).status_code == 401


def test_the_cached_list_is_the_same_json_as_the_encoded_page(anonymous: Client, container: Container) -> None:
    first = anonymous.get(f"{CONTENT}columns/", params={"limit": 3})
    again = anonymous.get(f"{CONTENT}columns/", params={"limit": 3})
    assert first.headers["content-type"] == "application/json"
    assert first.content == again.content
    assert first.json() == {"items": [], "total": 0, "limit": 3, "offset": 0}
    assert len(container.columns_cache()) == 1
