"""Article pages written as data: a snapshot directory may hold `articles.json`, article records
(id, board, title, author, published minute, and the body as text and image blocks) that are
rendered on demand into the page a browser saw on Naver's new skin, through the string.Template
pages in `page_templates/` (`article.html`; `notice.html` for an id Naver answers with a notice,
such as a deleted or members-only article). The bundled sample cafe is written this way, so its
posts are data to edit rather than fifty copies of the same markup.

`articles.json`:
    {"club_id": 30000001, "boards": {"3": "창플 칼럼", ...},
     "articles": [{"id": 1001, "board_id": 3, "title": "...", "author": "...",
                   "published": "2026-09-01T09:30",
                   "blocks": [{"text": ["paragraph", ...]}, {"image": "https://..."}]},
                  {"id": 1013, "notice": "게시글이 존재하지 않거나 삭제되었습니다"}]}
Texts are plain (the page escapes them the way Naver does); `published` is the minute the page shows.
Stdlib and pydantic only: reading records does not load the HTML parser."""

from __future__ import annotations

import html
from datetime import datetime
from functools import cache
from importlib import resources
from pathlib import Path
from string import Template
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from changple_domain.errors import InvalidSetting

RECORDS_FILE = "articles.json"

_TEXT_BLOCK = (
    '<div class="se-component se-text se-l-default"><div class="se-component-content">'
    '<div class="se-section se-section-text"><div class="se-module se-module-text">\n'
    "{paragraphs}</div></div></div></div>\n"
)
_PARAGRAPH = '<p class="se-text-paragraph se-text-paragraph-align-"><span class="se-fs-fs15 se-ff-">{text}</span></p>\n'
_PIXEL = "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"
_IMAGE_BLOCK = (
    '<div class="se-component se-image se-l-default"><div class="se-component-content">'
    '<div class="se-section se-section-image"><div class="se-module se-module-image">'
    '<a href="#" class="se-module-image-link __se_image_link" data-linktype="img">'
    f'<img src="{_PIXEL}" data-lazy-src="{{url}}" alt="" class="se-image-resource"></a>'
    "</div></div></div></div>\n"
)


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class TextBlock(_Record):
    text: tuple[Annotated[str, Field(min_length=1)], ...] = Field(min_length=1)


class ImageBlock(_Record):
    image: str = Field(min_length=1)


class ArticleRecord(_Record):
    id: int = Field(gt=0)
    board_id: int
    title: str = Field(min_length=1)
    author: str = Field(min_length=1)
    published: datetime
    blocks: tuple[TextBlock | ImageBlock, ...] = Field(min_length=1)


class NoticeRecord(_Record):
    """An id whose page is Naver's notice instead of an article (deleted, members only...)."""

    id: int = Field(gt=0)
    notice: str = Field(min_length=1)


class PageRecords(_Record):
    club_id: int = Field(gt=0)
    boards: dict[int, str]
    articles: tuple[ArticleRecord | NoticeRecord, ...]

    @model_validator(mode="after")
    def _consistent(self) -> PageRecords:
        ids = [record.id for record in self.articles]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise ValueError(f"article ids {repeated} appear more than once")
        unknown = sorted(
            {r.board_id for r in self.articles if isinstance(r, ArticleRecord) and r.board_id not in self.boards}
        )
        if unknown:
            raise ValueError(f"board ids {unknown} are not in 'boards'")
        return self

    @classmethod
    def in_directory(cls, directory: Path) -> PageRecords | None:
        """The directory's `articles.json`, or None when it has none. A malformed file is
        InvalidSetting naming the file and what is wrong in it."""
        path = directory / RECORDS_FILE
        if not path.is_file():
            return None
        try:
            return cls.model_validate_json(path.read_bytes())
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first["loc"]) or "the top level"
            raise InvalidSetting(f"{path} is not valid article records: at {where}, {first['msg']}") from exc
        except OSError as exc:
            raise InvalidSetting(f"cannot read {path}: {exc.strerror}") from exc

    def article_ids(self) -> list[int]:
        return sorted(record.id for record in self.articles)

    def page(self, article_id: int) -> str | None:
        """The page for an id, rendered now; None when no record has that id."""
        record = next((r for r in self.articles if r.id == article_id), None)
        if record is None:
            return None
        if isinstance(record, NoticeRecord):
            return _template("notice.html").substitute(notice=_escape(record.notice))
        return _template("article.html").substitute(
            title=_escape(record.title),
            club_id=self.club_id,
            board_id=record.board_id,
            board=_escape(self.boards[record.board_id]),
            article_id=record.id,
            author=_escape(record.author),
            published=record.published.strftime("%Y.%m.%d. %H:%M"),
            blocks="".join(_block(block) for block in record.blocks),
        )


def _escape(text: str) -> str:
    """Escaped the way Naver's pages are, with a numeric reference for the middle dot."""
    return html.escape(text, quote=True).replace("·", "&#183;")


def _block(block: TextBlock | ImageBlock) -> str:
    if isinstance(block, ImageBlock):
        return _IMAGE_BLOCK.format(url=_escape(block.image))
    return _TEXT_BLOCK.format(paragraphs="".join(_PARAGRAPH.format(text=_escape(p)) for p in block.text))


@cache
def _template(name: str) -> Template:
    return Template((resources.files(__package__) / "page_templates" / name).read_text(encoding="utf-8"))
