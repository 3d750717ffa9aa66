"""Naver Cafe article pages and article-API answers to ScrapedArticle. Pure functions: no I/O, so
every source (live browser, saved snapshot) shares them and tests run them without a network.

Rules both entry points keep:
- A SAVED outcome always has a title, an author, a date and non-empty text; anything less is an
  ERROR whose reason names what was missing. A half-empty post is never returned.
- `published_at` is KST and kept to the minute, because pages show minutes only: an article reads
  the same whether it came from a page or from the API.
- Board names lose their HTML entities (the API sends `menu.name` escaped); the board id comes from
  `menu.id` or from the board link (`menuid=N` or `/menus/N`).

API error codes (from PROVIDERS.md, widened because Naver renames them; see `_classify`):
- LOGIN_REQUIRED: HTTP 401, or `errorCode` UNAUTHORIZED, NOT_LOGGED_IN, LOGIN_REQUIRED, NEED_LOGIN,
  INVALID_SESSION.
- DELETED: ARTICLE_NOT_FOUND, NOT_FOUND, NOT_EXIST_ARTICLE, ARTICLE_NOT_EXIST, DELETED_ARTICLE,
  ARTICLE_DELETED.
- MEMBERS_ONLY: MEMBER_ONLY, MEMBERS_ONLY, CAFE_MEMBER_ONLY, NOT_CAFE_MEMBER, NO_PERMISSION,
  NO_READ_PERMISSION, LEVEL_RESTRICTED.
- Other codes are classified by the keywords of their message like pages are, else ERROR. A bare
  HTTP 404 without a recognised code is an ERROR, not DELETED: a wrong API address must not mark
  the whole cafe as deleted.
"""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Mapping
from datetime import UTC, datetime

from bs4 import BeautifulSoup, Tag
from pydantic import ValidationError

from changple_adapters.naver._blocks import BodyText, body_text, clean_line
from changple_adapters.naver._classify import (
    RENEW_SESSION,
    api_error,
    classify_code,
    classify_message,
    is_login_url,
    squash,
)
from changple_adapters.naver._index import TagIndex
from changple_domain.model.posts import KST, CafePost
from changple_domain.model.providers import ScrapedArticle, ScrapeOutcome

__all__ = ["is_login_url", "parse_article_api", "parse_article_html"]

_DATE = re.compile(r"(\d{4})\s*[.\-/]\s*(\d{1,2})\s*[.\-/]\s*(\d{1,2})\.?\s+(\d{1,2}):(\d{2})")
_MENU_ID = re.compile(r"(?:menuid=|/menus/)(\d+)", re.IGNORECASE)
_ALERT = re.compile(r"alert\(\s*(['\"])(.*?)\1", re.DOTALL)


def _result(article_id: int, outcome: ScrapeOutcome, reason: str) -> ScrapedArticle:
    return ScrapedArticle(article_id=article_id, outcome=outcome, reason=reason)


def _text(found: Tag | None, separator: str = "") -> str:
    """Text as the browser shows it: inline pieces joined without spaces (Naver splits words in spans)."""
    return clean_line(found.get_text(separator)) if found is not None else ""


def parse_kst(text: str) -> datetime | None:
    """`2024.05.01. 13:20` (seconds, if shown, are dropped) as an aware KST datetime."""
    match = _DATE.search(text)
    if match is None:
        return None
    try:
        year, month, day, hour, minute = (int(part) for part in match.groups())
        return datetime(year, month, day, hour, minute, tzinfo=KST)
    except ValueError:
        return None


def _board(link: Tag | None) -> tuple[str, int | None]:
    if link is None:
        return "", None
    href = link.get("href")
    menu = _MENU_ID.search(href) if isinstance(href, str) else None
    return _text(link), int(menu.group(1)) if menu else None


def _body(*containers: Tag | None) -> BodyText | None:
    """The first body container with text; None when no container exists at all."""
    found: BodyText | None = None
    for container in containers:
        if container is None:
            continue
        found = body_text(container)
        if found.paragraphs:
            return found
    return found


def _post(
    article_id: int,
    *,
    url: str,
    scraped_at: datetime | None,
    title: str,
    author: str,
    published_at: datetime | None,
    body: BodyText | None,
    board: str,
    board_id: int | None,
) -> ScrapedArticle:
    """SAVED when every required field is there, else ERROR naming the missing ones."""
    missing = [
        name
        for name, present in (
            ("title", bool(title)),
            ("author", bool(author)),
            ("date", published_at is not None),
            ("body" if body is None else "body text", bool(body and body.paragraphs)),
        )
        if not present
    ]
    if missing or published_at is None or body is None:
        return _result(article_id, ScrapeOutcome.ERROR, f"unknown article layout: no {', no '.join(missing)} found")
    try:
        post = CafePost(
            article_id=article_id,
            title=title,
            board=board,
            board_id=board_id,
            content=body.text,
            author=author,
            published_at=published_at,
            url=url,
            image_urls=tuple(body.image_urls),
            scraped_at=scraped_at or datetime.now(UTC),
        )
    except ValidationError as exc:
        return _result(article_id, ScrapeOutcome.ERROR, f"article fields rejected: {squash(str(exc))}")
    return ScrapedArticle(article_id=article_id, outcome=ScrapeOutcome.SAVED, post=post)


def _notice(index: TagIndex) -> str:
    """The message of Naver's error layout (`.error_content_body h2` and its relatives), if any."""
    for found in (
        index.first_in("error_content_body", "h2"),
        index.first("error_content_body"),
        index.first("error_content"),
        index.by_id.get("errorContent"),
        index.first("error_page"),
    ):
        if text := _text(found, " "):
            return text
    return ""


def _new_skin(index: TagIndex, *, article_id: int, url: str, scraped_at: datetime | None) -> ScrapedArticle:
    board, board_id = _board(index.first("link_board", inside="ArticleTitle"))
    return _post(
        article_id,
        url=url,
        scraped_at=scraped_at,
        title=_text(index.first("title_text", name="h3")),
        author=_text(index.first("nickname", inside="WriterInfo")),
        published_at=parse_kst(_text(index.first("date", inside="article_info"))),
        body=_body(
            index.first("se-main-container", inside="article_viewer"),
            index.first("ContentRenderer"),
            index.first("article_viewer"),
            index.by_id.get("tbody"),
        ),
        board=board,
        board_id=board_id,
    )


def _old_skin(index: TagIndex, *, article_id: int, url: str, scraped_at: datetime | None) -> ScrapedArticle:
    board, board_id = _board(index.first("m-tcol-c", name="a", inside="td.m-tcol-c"))
    return _post(
        article_id,
        url=url,
        scraped_at=scraped_at,
        title=_text(index.first("b", name="span", inside="div.tit-box")),
        author=_text(index.first_in("p-nick", "a", outer_name="td")),
        published_at=parse_kst(_text(index.first("date", name="td"))),
        body=_body(index.by_id.get("tbody")),
        board=board,
        board_id=board_id,
    )


def _login_form(soup: BeautifulSoup) -> bool:
    if soup.find("input", attrs={"type": "password"}) is not None:
        return True
    return any(
        form.get("id") == "frmNIDLogin" or "nidlogin" in str(form.get("action") or "").lower()
        for form in soup.find_all("form")
    )


def _classified(article_id: int, outcome: ScrapeOutcome, said: str) -> ScrapedArticle:
    if outcome is ScrapeOutcome.LOGIN_REQUIRED:
        return _result(article_id, outcome, f"{RENEW_SESSION} (Naver says: {squash(said)})")
    return _result(article_id, outcome, f"Naver says: {squash(said)}")


def parse_article_html(html: str, *, article_id: int, url: str, scraped_at: datetime | None = None) -> ScrapedArticle:
    """An article document (new or old skin, or an error/login page) served at `url`."""
    if is_login_url(url):
        return _result(article_id, ScrapeOutcome.LOGIN_REQUIRED, f"{RENEW_SESSION} (redirected to the login page)")
    soup = BeautifulSoup(html, "lxml")
    index = TagIndex(soup)
    notice = _notice(index)
    known = classify_message(notice) if notice else None
    if known is not None:
        return _classified(article_id, known, notice)
    if index.first("title_text", name="h3") is not None:
        return _new_skin(index, article_id=article_id, url=url, scraped_at=scraped_at)
    if index.first("b", name="span", inside="div.tit-box") is not None:
        return _old_skin(index, article_id=article_id, url=url, scraped_at=scraped_at)
    if notice:
        return _result(article_id, ScrapeOutcome.ERROR, f"unrecognised error page: {squash(notice)}")
    alerts = [m.group(2) for script in soup.find_all("script") for m in _ALERT.finditer(script.get_text())]
    for said in alerts:
        if (outcome := classify_message(said)) is not None:
            return _classified(article_id, outcome, said)
    if _login_form(soup):
        return _result(article_id, ScrapeOutcome.LOGIN_REQUIRED, f"{RENEW_SESSION} (got a login form)")
    said = f" (alert: {squash(alerts[0])})" if alerts else ""
    return _result(
        article_id,
        ScrapeOutcome.ERROR,
        f"unknown page layout: no article title (h3.title_text or .tit-box) found{said}",
    )


def _mapping(value: object, key: str) -> Mapping[str, object] | None:
    inner = value.get(key) if isinstance(value, Mapping) else None
    return inner if isinstance(inner, Mapping) else None


def _string(value: object) -> str:
    return clean_line(value) if isinstance(value, str) else ""


def _integer(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _from_epoch_ms(value: object) -> datetime | None:
    millis = _integer(value)
    if millis is None or millis <= 0:
        return None
    try:
        return datetime.fromtimestamp(millis / 1000, KST).replace(second=0, microsecond=0)
    except (OverflowError, OSError, ValueError):
        return None


def _content_body(content_html: str) -> BodyText:
    fragment = BeautifulSoup(content_html, "lxml")
    container = fragment.find(class_="se-main-container")
    return body_text(container if isinstance(container, Tag) else fragment)


def parse_article_api(
    payload: object, *, article_id: int, url: str, status_code: int = 200, scraped_at: datetime | None = None
) -> ScrapedArticle:
    """A decoded answer of the JSON article API (`payload` may be anything a server sent)."""
    code, message = api_error(payload)
    if status_code == 401:
        return _result(article_id, ScrapeOutcome.LOGIN_REQUIRED, f"{RENEW_SESSION} (article API answered HTTP 401)")
    said = f"errorCode {code}" if code else "no errorCode"
    said += f": {squash(message)}" if message else ""
    if (outcome := classify_code(code)) is not None:
        reason = f"article API {said}"
        if outcome is ScrapeOutcome.LOGIN_REQUIRED:
            reason = f"{RENEW_SESSION} ({reason})"
        return _result(article_id, outcome, reason)
    article = _mapping(_mapping(payload, "result"), "article")
    if article is None or status_code >= 400 or code:
        if message and (outcome := classify_message(message)) is not None:
            return _classified(article_id, outcome, message)
        return _result(article_id, ScrapeOutcome.ERROR, f"article API answered HTTP {status_code} with {said}")
    content = article.get("contentHtml")
    menu = _mapping(article, "menu")
    writer = _mapping(article, "writer")
    board = html_lib.unescape(_string(menu.get("name"))) if menu else ""
    return _post(
        article_id,
        url=url,
        scraped_at=scraped_at,
        title=_string(article.get("subject")),
        author=_string(writer.get("nick")) if writer else "",
        published_at=_from_epoch_ms(article.get("writeDate")),
        body=_content_body(content) if isinstance(content, str) else None,
        board=clean_line(board),
        board_id=_integer(menu.get("id")) if menu else None,
    )
