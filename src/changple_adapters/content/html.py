"""The page of an export: which HTML file it is, its references rewritten, sanitized, and as text.

Rewriting (before sanitizing): only the `<body>` is kept (Notion's `<head>` and `<style>` go).
Each `<img src>` and `<a href>` whose URL-decoded relative path, resolved against the page's
folder, names an image of the export points at `asset_url_prefix` + the asset name. Other links
into the export (other pages, PDFs, missing files) lose their href; an `<img>` that is neither an
export image nor an http(s) URL is removed.

Sanitizing is nh3 (ammonia) with an allow-list: structure tags, `class` everywhere, a few
attributes, http/https/mailto URLs, and relative URLs only when they are our own asset URLs."""

from __future__ import annotations

import posixpath
import re
import unicodedata
from collections.abc import Callable, Collection, Sequence
from urllib.parse import unquote, urlsplit

import nh3
from bs4 import BeautifulSoup, Tag
from bs4.element import NavigableString, PreformattedString


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


TAGS = _words(
    "p br hr h1 h2 h3 h4 h5 h6 ul ol li blockquote pre code strong b em i u s del mark sub sup a img figure "
    "figcaption table thead tbody tfoot tr th td caption colgroup col div span details summary"
)
ATTRIBUTES = {
    "*": {"class"},
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}
# Tags removed together with everything inside them (the others not in TAGS keep their text).
DROPPED_WITH_CONTENT = _words(
    "script style iframe frame frameset object embed applet noscript noembed noframes template svg math form "
    "textarea select button title head link meta base"
)
_VOID = _words("embed link meta base frame")
URL_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "noopener noreferrer nofollow"
_ASSET_TAIL = re.compile(r"^[a-z0-9][a-z0-9._-]{0,99}$")
_BLOCKS = _words(
    "p h1 h2 h3 h4 h5 h6 li blockquote pre tr figcaption div ul ol table thead tbody tfoot figure details summary "
    "caption hr dl dt dd section article header footer body html"
)
_SPACES = re.compile(r"\s+")


def decode_html(data: bytes) -> str:
    """Notion writes UTF-8; older tools wrote CP949. Undecodable bytes become U+FFFD."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    for encoding in ("utf-8", "cp949"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", errors="replace")


def choose_page(candidates: Sequence[tuple[str, int]]) -> str:
    """The page among (name, size) pairs: fewest path components, then the largest, then by name."""
    return min(candidates, key=lambda item: (item[0].count("/"), -item[1], item[0]))[0]


def resolve_reference(url: str, page_dir: str) -> str | None:
    """The export entry a relative URL names (in entry_key form), or None for anything else."""
    url = url.strip()
    parts = urlsplit(url)
    if not url or parts.scheme or parts.netloc or url.startswith(("/", "\\")):
        return None
    path = unquote(parts.path).replace("\\", "/")
    if not path:
        return None
    joined = posixpath.normpath(posixpath.join(page_dir, path))
    if joined == ".." or joined.startswith(("../", "/")):
        return None
    return unicodedata.normalize("NFC", joined)


def _is_web(url: str, schemes: Collection[str]) -> bool:
    return urlsplit(url.strip()).scheme.lower() in schemes


def rewrite_page(html_text: str, *, page_name: str, images: Collection[str], asset_url: Callable[[str], str]) -> str:
    """The page's body with references rewritten (not yet sanitized). `asset_url(entry)` is called
    in document order, so the caller can name assets by first reference."""
    soup = BeautifulSoup(html_text, "lxml")
    for dropped in soup.find_all(list(DROPPED_WITH_CONTENT)):
        if isinstance(dropped, Tag) and not dropped.decomposed:
            if dropped.name in _VOID:
                dropped.unwrap()  # libxml2 nests what follows a void tag inside it: keep that
            else:
                dropped.decompose()
    page_dir = posixpath.dirname(page_name)
    for tag in soup.find_all(["img", "a"]):
        if not isinstance(tag, Tag) or tag.decomposed:
            continue
        attribute = "src" if tag.name == "img" else "href"
        value = tag.get(attribute)
        url = value if isinstance(value, str) else ""
        target = resolve_reference(url, page_dir)
        if target is not None and target in images:
            tag[attribute] = asset_url(target)
        elif tag.name == "img" and not _is_web(url, {"http", "https"}):
            tag.decompose()
        elif tag.name == "a" and attribute in tag.attrs and not _is_web(url, URL_SCHEMES):
            del tag[attribute]
    root = soup.body if soup.body is not None else soup
    return "".join(str(child) for child in root.contents)


def sanitize(html_text: str, asset_url_prefix: str) -> str:
    """The allow-list clean; relative URLs survive only as `asset_url_prefix` + an asset name."""

    def relative(url: str) -> str | None:
        tail = url[len(asset_url_prefix) :] if url.startswith(asset_url_prefix) else ""
        return url if _ASSET_TAIL.match(tail) else None

    return nh3.clean(
        html_text,
        tags=set(TAGS),
        clean_content_tags=set(DROPPED_WITH_CONTENT),
        attributes={tag: set(names) for tag, names in ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        url_relative=relative,
        link_rel=LINK_REL,
        strip_comments=True,
    ).strip()


def plain_text(sanitized_html: str) -> str:
    """Paragraphs separated by a blank line: each block element is one; inline text joins without
    breaks, `<br>` is a line break, spaces fold (inside `<pre>` they are kept), table cells join
    with " | ", images contribute their title if they have one. NFC, no outer white space."""
    walker = _TextWalker()
    walker.walk(BeautifulSoup(sanitized_html, "lxml"), preformatted=False)
    walker.flush(preformatted=False)
    return unicodedata.normalize("NFC", "\n\n".join(walker.paragraphs)).strip()


class _TextWalker:
    def __init__(self) -> None:
        self.paragraphs: list[str] = []
        self.pieces: list[str] = []

    def flush(self, *, preformatted: bool) -> None:
        text = "".join(self.pieces)
        self.pieces = []
        if preformatted:
            lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
            block = "\n".join(lines).strip("\n")
        else:
            block = "\n".join(line for line in (_SPACES.sub(" ", part).strip() for part in text.split("\n")) if line)
        if block.strip():
            self.paragraphs.append(block)

    def walk(self, node: Tag | BeautifulSoup, *, preformatted: bool) -> None:
        for child in node.children:
            if isinstance(child, NavigableString):
                if not isinstance(child, PreformattedString):  # comments, doctypes, CDATA
                    self.pieces.append(str(child) if preformatted else _SPACES.sub(" ", str(child)))
            elif isinstance(child, Tag):
                self._tag(child, preformatted=preformatted)

    def _tag(self, tag: Tag, *, preformatted: bool) -> None:
        if tag.name == "br":
            self.pieces.append("\n")
        elif tag.name == "img":
            title = tag.get("title")
            if isinstance(title, str) and title.strip():
                self.pieces.append(f" {title.strip()} ")
        elif tag.name in ("td", "th"):
            if "".join(self.pieces).strip():
                self.pieces.append(" | ")
            self.walk(tag, preformatted=preformatted)
        elif tag.name in _BLOCKS:
            inner = preformatted or tag.name == "pre"
            self.flush(preformatted=preformatted)
            self.walk(tag, preformatted=inner)
            self.flush(preformatted=inner)
        else:
            self.walk(tag, preformatted=preformatted)
