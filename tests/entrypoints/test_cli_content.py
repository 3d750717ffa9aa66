"""`changple content ...` as an operator runs it: a real process on a fresh data directory publishes a
Notion export, refuses a hostile one with the reason and exit 2, and lists what it holds."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from tests.entrypoints.cli_process import run_changple as changple
from tests.fixtures.uploads import notion_export, png_bytes


def test_upload_publishes_refuses_and_lists(tmp_path: Path) -> None:
    data = tmp_path / "d"
    export = tmp_path / "가맹 계약.zip"
    export.write_bytes(notion_export())
    cover = tmp_path / "cover.png"
    cover.write_bytes(png_bytes(120, 80))

    code, out, err = changple(
        data,
        "content",
        "upload",
        str(export),
        "--title",
        "가맹 계약",
        "--preferred",
        "--thumbnail",
        str(cover),
        "--json",
    )
    assert code == 0, err
    published = json.loads(out)
    assert published["state"] == "published"
    assert published["is_preferred"] is True
    files = sorted(p.relative_to(data / "files").as_posix() for p in (data / "files").rglob("*") if p.is_file())
    assert f"content/{published['id']}/page.html" in files
    assert f"content/{published['id']}/thumbnail.jpg" in files
    assert not [f for f in files if f.startswith("uploads/")]

    slip = tmp_path / "slip.zip"
    with zipfile.ZipFile(slip, "w") as archive:
        archive.writestr("../../evil.html", "<p>x</p>")
    code, out, err = changple(data, "content", "upload", str(slip), "--title", "나쁜 업로드")
    assert code == 2
    said = " ".join(err.split())
    assert "outside the export" in said or "zip slip" in said, said

    code, out, err = changple(data, "content", "upload", str(tmp_path / "missing.zip"), "--title", "x")
    assert code == 2
    assert "no file at" in " ".join(err.split())
    code, out, err = changple(data, "content", "upload", str(export), "--title", "x", "--no-wait")
    assert code == 2
    assert "CHANGPLE_REDIS_URL" in " ".join(err.split())

    code, out, err = changple(data, "content", "list", "--json")
    assert code == 0, err
    listed = json.loads(out)
    assert listed["total"] == 1
    assert listed["items"][0]["title"] == "가맹 계약"
    code, out, _ = changple(data, "content", "list")
    assert "가맹 계약" in out
    assert "published" in out


def test_unpublish_and_publish_again_and_what_cannot_be(tmp_path: Path) -> None:
    data = tmp_path / "d"
    export = tmp_path / "칼럼.zip"
    export.write_bytes(notion_export())
    code, out, err = changple(data, "content", "upload", str(export), "--title", "칼럼", "--json")
    assert code == 0, err
    content_id = str(json.loads(out)["id"])

    code, out, err = changple(data, "content", "unpublish", content_id)
    assert code == 0, err
    assert "unpublished: readers no longer see it" in " ".join(out.split())
    code, out, err = changple(data, "content", "list", "--state", "unpublished", "--json")
    assert [c["id"] for c in json.loads(out)["items"]] == [int(content_id)]
    code, out, err = changple(data, "content", "publish", content_id, "--json")
    assert code == 0, err
    assert json.loads(out)["state"] == "published"

    code, out, err = changple(data, "content", "publish", "424242")
    assert code == 3
    assert "no content with id 424242" in " ".join(err.split())
    code, out, err = changple(data, "content", "unpublish", "0")
    assert code == 2
    code, out, err = changple(data, "content", "unpublish", "abc")
    assert code == 2
