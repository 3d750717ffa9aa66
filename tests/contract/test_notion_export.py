"""The Notion export processor: hostile uploads are refused with their reason at the right stage,
valid exports become a sanitized page, clean images, plain text and a thumbnail."""

from __future__ import annotations

import io
import os
import tempfile
import unicodedata
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from changple_adapters.content.archive import read_bounded
from changple_adapters.content.notion_export import NotionExportProcessor
from changple_domain.errors import UnsafeUpload
from changple_domain.model.content import ProcessedExport, UploadLimits
from changple_domain.ports import ExportProcessor
from tests.fixtures import uploads
from tests.fixtures.uploads import heic_bytes, image_src, notion_export, page_stem, png_bytes

PREFIX = "/media/content/7/"
LIMITS = UploadLimits()
HOSTILE = uploads.hostile_uploads()
XSS_NEEDLES = (
    "<script", "onerror", "onload", "onclick", "<iframe", "javascript:", "<style", "<object", "<embed",
    "data:", "<form", "<svg", "style=", "<!--", "evil.example", "alert(",
)  # fmt: skip
processor = NotionExportProcessor()


def process(data: bytes, limits: UploadLimits = LIMITS, thumbnail: bytes | None = None) -> ProcessedExport:
    given = io.BytesIO(thumbnail) if thumbnail is not None else None
    return processor.process(io.BytesIO(data), limits=limits, asset_url_prefix=PREFIX, thumbnail=given)


def opened(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data))


def assert_no_metadata(data: bytes) -> None:
    image = opened(data)
    exif = image.getexif()
    assert (0x8825 in exif, len(exif)) == (False, 0)  # no GPS IFD, no EXIF at all
    assert not {"exif", "xmp", "XML:com.adobe.xmp", "icc_profile", "comment"} & set(image.info)


@pytest.mark.hostile
@pytest.mark.parametrize("upload", HOSTILE, ids=[upload.name for upload in HOSTILE])
def test_a_hostile_upload_is_refused_with_its_reason_at_its_stage(upload: uploads.HostileUpload) -> None:
    if upload.stage == "check":
        with pytest.raises(UnsafeUpload) as refused:
            processor.check(io.BytesIO(upload.data), uploads.HOSTILE_LIMITS)
        assert refused.value.reason == upload.reason
    else:
        assert upload.stage == "process"
        processor.check(io.BytesIO(upload.data), uploads.HOSTILE_LIMITS)
    with pytest.raises(UnsafeUpload) as refused:
        processor.process(io.BytesIO(upload.data), limits=uploads.HOSTILE_LIMITS, asset_url_prefix=PREFIX)
    assert (refused.value.reason, refused.value.code) == (upload.reason, f"upload_{upload.reason}")
    assert "\n" not in refused.value.detail
    assert refused.value.detail


@pytest.mark.hostile
def test_the_hostile_corpus_covers_every_refusal() -> None:
    at_check = {upload.reason for upload in HOSTILE if upload.stage == "check"}
    at_process = {upload.reason for upload in HOSTILE if upload.stage == "process"}
    assert at_check >= {"path_traversal", "absolute_path", "link", "special_file", "too_many_entries", "encrypted"}
    assert at_check >= {"compression_ratio", "too_large", "corrupt_zip", "not_a_zip", "nested_archive", "no_page"}
    assert at_process >= {"corrupt_zip", "image_bomb", "bad_image"}
    upload = next(upload for upload in HOSTILE if upload.name == "zip_slip")  # details name the entry and the fix
    with pytest.raises(UnsafeUpload, match=r"'\.\./evil\.txt'.*zip slip.*export the page again"):
        processor.check(io.BytesIO(upload.data), uploads.HOSTILE_LIMITS)


class Unseekable(io.BytesIO):
    def seekable(self) -> bool:
        return False


@pytest.mark.hostile
def test_uploads_are_held_to_the_upload_limit_even_when_they_cannot_seek() -> None:
    data = notion_export()
    assert processor.check(Unseekable(data), UploadLimits(max_upload_bytes=len(data))).html_files == 1
    for stream in (io.BytesIO(data), Unseekable(data)):
        with pytest.raises(UnsafeUpload) as refused:
            processor.check(stream, UploadLimits(max_upload_bytes=len(data) - 1))
        assert refused.value.reason == "too_large"


@pytest.mark.hostile
def test_the_bounded_reader_counts_real_bytes_whatever_was_declared() -> None:
    limits = UploadLimits(max_total_bytes=3 * uploads.MIB, max_compression_ratio=10)

    def read(data: bytes, compressed_size: int) -> bytes:
        return read_bounded(io.BytesIO(data), name="a", compressed_size=compressed_size, limits=limits, already_read=0)

    with pytest.raises(UnsafeUpload) as refused:
        read(b"x" * (4 * uploads.MIB), compressed_size=10**9)
    assert refused.value.reason == "too_large"
    with pytest.raises(UnsafeUpload) as refused:
        read(b"\0" * (2 * uploads.MIB), compressed_size=1000)
    assert refused.value.reason == "compression_ratio"
    assert len(read(b"\0" * 1000, compressed_size=10)) == 1000  # tiny entries may compress well


def test_check_reads_the_directory_only(monkeypatch: pytest.MonkeyPatch) -> None:
    data = notion_export()

    def no_decompression(*args: object, **kwargs: object) -> None:
        raise AssertionError("check opened an entry")

    monkeypatch.setattr(zipfile.ZipFile, "open", no_decompression)
    assert isinstance(processor, ExportProcessor)
    summary = processor.check(io.BytesIO(data), LIMITS)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        declared = sum(info.file_size for info in zf.infolist())
    assert (summary.entries, summary.total_bytes, summary.html_files) == (3, declared, 1)


def test_a_valid_export_becomes_a_page_with_images_and_text() -> None:
    result = process(notion_export())
    assert result.page_name == f"{page_stem()}.html"
    assert [(asset.name, asset.content_type) for asset in result.assets] == [
        ("img-001.png", "image/png"),
        ("img-002.jpg", "image/jpeg"),  # the HEIC
    ]
    assert opened(result.assets[0].data).format == "PNG"
    assert opened(result.assets[1].data).format == "JPEG"
    assert f'<img src="{PREFIX}img-001.png">' in result.html
    assert f'<a href="{PREFIX}img-002.jpg"' in result.html
    assert [gone for gone in (page_stem(), "%EA", "<style", "<title", "style=") if gone in result.html] == []
    assert result.plain_text == uploads.DEFAULT_TEXT
    assert result.skipped == ()


def test_no_output_image_keeps_exif_or_gps() -> None:
    images = {"a.jpg": uploads.jpeg_with_gps(), "b.heic": heic_bytes(), "c.jpeg": uploads.rotated_jpeg(64, 48)}
    images["d.png"] = png_bytes()
    assert 0x8825 in opened(images["a.jpg"]).getexif()
    result = process(notion_export(images=images))
    assert [asset.content_type for asset in result.assets] == ["image/jpeg", "image/jpeg", "image/jpeg", "image/png"]
    for asset in (*result.assets, result.thumbnail):
        assert asset is not None
        assert_no_metadata(asset.data)
    assert opened(result.assets[2].data).size == (48, 64)  # the EXIF orientation (6) was applied


def test_an_oversized_image_is_scaled_to_the_longest_side() -> None:
    limits = UploadLimits(max_image_side=500)
    result = process(notion_export(images={"wide.png": png_bytes(2000, 1000), "small.png": png_bytes(40, 30)}), limits)
    assert opened(result.assets[0].data).size == (500, 250)
    assert opened(result.assets[1].data).size == (40, 30)


def test_webp_and_gif_keep_their_format_and_animated_gifs_keep_the_first_frame() -> None:
    frames, gif, webp = [Image.new("P", (20, 10), i) for i in (1, 2, 3)], io.BytesIO(), io.BytesIO()
    frames[0].save(gif, "GIF", save_all=True, append_images=frames[1:])
    Image.new("RGBA", (30, 20), (1, 2, 3, 128)).save(webp, "WEBP")
    result = process(notion_export(images={"moving.gif": gif.getvalue(), "alpha.webp": webp.getvalue()}))
    kinds = [(asset.name, asset.content_type) for asset in result.assets]
    assert kinds == [("img-001.gif", "image/gif"), ("img-002.webp", "image/webp")]
    first = opened(result.assets[0].data)
    assert (first.format, getattr(first, "n_frames", 1)) == ("GIF", 1)
    assert opened(result.assets[1].data).mode == "RGBA"


def test_the_given_thumbnail_wins() -> None:
    result = process(notion_export(), thumbnail=uploads.jpeg_with_gps(1280, 800))
    assert result.thumbnail is not None
    assert (result.thumbnail.name, result.thumbnail.content_type) == ("thumbnail.jpg", "image/jpeg")
    assert opened(result.thumbnail.data).size == (640, 400)
    assert_no_metadata(result.thumbnail.data)


def test_without_a_given_thumbnail_the_first_image_is_used() -> None:
    result = process(notion_export(images={"big.png": png_bytes(1000, 500, color=(0, 0, 255))}))
    assert result.thumbnail is not None
    thumb = opened(result.thumbnail.data)
    assert (thumb.format, thumb.size) == ("JPEG", (640, 320))
    red, _green, blue = thumb.convert("RGB").getpixel((10, 10))  # type: ignore[misc]
    assert (red < 40, blue > 200) == (True, True)


def test_a_page_without_images_gets_a_generated_card() -> None:
    result, again = process(notion_export(images={})), process(notion_export(images={}))
    small = process(notion_export(images={}), UploadLimits(thumbnail_side=320)).thumbnail
    assert result.assets == ()
    assert result.thumbnail == again.thumbnail  # the colour comes from the text
    assert [opened(thumb.data).size for thumb in (result.thumbnail, small) if thumb] == [(640, 360), (320, 180)]


@pytest.mark.hostile
def test_a_bad_thumbnail_is_refused() -> None:
    with pytest.raises(UnsafeUpload) as refused:
        process(notion_export(), thumbnail=b"not an image at all")
    assert refused.value.reason == "bad_thumbnail"
    with pytest.raises(UnsafeUpload) as refused:
        process(notion_export(), UploadLimits(max_image_pixels=10_000), thumbnail=png_bytes(200, 200))
    assert refused.value.reason == "image_bomb"


@pytest.mark.hostile
def test_the_xss_export_is_defused_while_content_stays() -> None:
    result = process(uploads.xss_export())
    lowered = result.html.lower()
    assert [needle for needle in XSS_NEEDLES if needle in lowered] == []
    assert ("안전한 문단입니다." in result.html, "스타일 문단" in result.html) == (True, True)
    assert '<a href="https://example.com/ok" rel="noopener noreferrer nofollow">좋은 링크</a>' in result.html
    assert f'<img src="{PREFIX}img-001.png">' in result.html
    assert result.html.count("<img") == 1  # the missing and the data: images are gone
    assert "alert" not in result.plain_text


@pytest.mark.parametrize("cp949", [False, True], ids=["utf8-names", "cp949-names"])
def test_korean_file_names_map_their_images(cp949: bool) -> None:
    title = "창업 가이드 (상권)"
    images = {"매장 사진.png": png_bytes(), "메뉴판.heic": heic_bytes(with_gps=False)}
    data = notion_export(title=title, images=images, cp949_names=cp949)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert all(bool(info.flag_bits & 0x800) is not cp949 for info in zf.infolist())
    result = process(data)
    assert result.page_name == f"{page_stem(title)}.html"
    assert [asset.name for asset in result.assets] == ["img-001.png", "img-002.jpg"]
    assert result.skipped == ()


def test_decomposed_hangul_names_from_macos_still_match() -> None:
    title = "가맹 안내"
    nfd = unicodedata.normalize("NFD", f"{page_stem(title)}/사진.png")
    body = f'<p>사진</p><img src="{image_src("사진.png", title=title)}">'
    members = uploads.export_members(title=title, images={}, body_html=body)
    result = process(uploads.build_zip([*members, (nfd, png_bytes())]))
    assert [asset.name for asset in result.assets] == ["img-001.png"]


def test_other_entries_are_skipped_with_their_reason_and_links_into_them_made_plain() -> None:
    stem = page_stem()
    body = (
        f'<p><a href="{image_src("notes.pdf")}">첨부</a> <a href="{image_src("하위 페이지.html")}">하위</a> '
        f'<a href="mailto:help@example.com">메일</a></p><img src="{image_src("used.png")}">'
    )
    data = notion_export(
        images={"used.png": png_bytes(), "unused.png": png_bytes()},
        body_html=body,
        extra_entries={
            f"{stem}/notes.pdf": b"%PDF-1.7",
            f"{stem}/하위 페이지.html": b"<p>other</p>",
            "__MACOSX/._used.png": b"junk",
        },
    )
    result = process(data)
    assert set(result.skipped) == {
        f"{stem}/unused.png: an image the page does not show",
        f"{stem}/notes.pdf: not an image",
        f"{stem}/하위 페이지.html: another page of the export; upload it on its own",
        "__MACOSX/._used.png: macOS metadata, not part of the page",
    }
    assert '<a rel="noopener noreferrer nofollow">첨부</a>' in result.html
    assert '<a rel="noopener noreferrer nofollow">하위</a>' in result.html
    assert 'href="mailto:help@example.com"' in result.html


def test_the_page_is_the_shallowest_then_the_largest_html_file() -> None:
    small = ("b.html", b"<p>small</p>")
    large = ("a.html", b"<p>" + "큰 페이지 ".encode() * 50 + b"</p>")
    deep = ("folder/z.html", b"<p>" + b"deep " * 500 + b"</p>")
    result = process(uploads.build_zip([deep, small, large]))
    assert result.page_name == "a.html"
    assert result.plain_text.startswith("큰 페이지")
    assert "b.html: another page of the export; upload it on its own" in result.skipped


def test_plain_text_keeps_paragraphs_lines_tables_and_preformatted_text() -> None:
    body = (
        "<div><p>첫 문단</p><div>둘째 <em>문단</em>은   이어집니다</div></div>"
        "<ul><li>항목 하나<ul><li>안쪽 항목</li></ul></li></ul>"
        "<table><tr><th>항목</th><th>비용</th></tr><tr><td>가맹비</td><td>1,000만 원</td></tr></table>"
        "<pre><code>line 1\n    line 2</code></pre><blockquote>인용<br>두 줄</blockquote>"
        '<p><img src="https://example.com/a.png"></p>'
    )
    result = process(notion_export(images={}, body_html=body))
    assert result.plain_text == (
        "가맹 계약 체크리스트\n\n첫 문단\n\n둘째 문단은 이어집니다\n\n항목 하나\n\n안쪽 항목\n\n"
        "항목 | 비용\n\n가맹비 | 1,000만 원\n\nline 1\n    line 2\n\n인용\n두 줄"
    )
    assert '<img src="https://example.com/a.png">' in result.html


def test_processing_writes_no_files_and_restores_the_pixel_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    private = tmp_path / "tmp"
    private.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private))
    before = set(os.listdir(tempfile.gettempdir()))
    pixels = Image.MAX_IMAGE_PIXELS
    process(notion_export(images={"a.heic": heic_bytes(), "b.png": png_bytes()}), thumbnail=png_bytes())
    assert set(os.listdir(tempfile.gettempdir())) == before
    assert pixels == Image.MAX_IMAGE_PIXELS
