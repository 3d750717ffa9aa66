"""Article bodies to plain text and image URLs. SmartEditor `.se-component` blocks and the plain
HTML of old posts go through one walker, so the same article gives the same text in every skin
and through the API. The walk is iterative: hostile pages may nest deeper than Python recurses."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bs4 import Tag
from bs4.element import NavigableString

_BLOCK_TAGS = frozenset(
    {
        "address",
        "article",
        "aside",
        "blockquote",
        "dd",
        "div",
        "dl",
        "dt",
        "figcaption",
        "figure",
        "footer",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "ol",
        "p",
        "pre",
        "section",
        "table",
        "tr",
        "ul",
    }
)
_SKIPPED_TAGS = frozenset(
    {"script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "button", "select", "textarea"}
)
_CELL_TAGS = frozenset({"td", "th"})
# Stickers are decoration, a video player's markup is controls, and quotations emit their cite last.
_SKIPPED_COMPONENTS = frozenset({"se-sticker", "se-video", "se-oembed", "se-cite"})
IMAGE_ATTRIBUTES = ("data-lazy-src", "data-src", "data-original", "src")

_HORIZONTAL = re.compile(r"[^\S\n]+")
_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")
_BREAK = "\n"


def clean_line(text: str) -> str:
    """Collapse whitespace (nbsp included) and drop zero-width characters."""
    return _HORIZONTAL.sub(" ", _ZERO_WIDTH.sub("", text)).strip()


def image_url(img: Tag) -> str | None:
    """The real picture behind a lazy image: the first non-empty, non-`data:` URL attribute."""
    for name in IMAGE_ATTRIBUTES:
        value = img.get(name)
        if isinstance(value, str) and (url := value.strip()) and not url.lower().startswith("data:"):
            return url
    return None


@dataclass
class BodyText:
    """Paragraphs (one blank line between them in `text`) and image URLs in order, without repeats."""

    paragraphs: list[str] = field(default_factory=list)
    image_urls: list[str] = field(default_factory=list)
    _seen: set[str] = field(default_factory=set)
    _buffer: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)

    def add_image(self, url: str | None) -> None:
        if url and url not in self._seen:
            self._seen.add(url)
            self.image_urls.append(url)

    def add_text(self, text: str) -> None:
        self._buffer.append(text)

    def flush(self) -> None:
        """End the current paragraph; `<br><br>` inside it also ends one."""
        if not self._buffer:
            return
        lines: list[str] = []
        for raw in "".join(self._buffer).split(_BREAK):
            line = clean_line(raw)
            if line:
                lines.append(line)
            elif lines:
                self.paragraphs.append("\n".join(lines))
                lines = []
        if lines:
            self.paragraphs.append("\n".join(lines))
        self._buffer.clear()

    def add_paragraph(self, *lines: str) -> None:
        self.flush()
        kept = [line for line in (clean_line(raw) for raw in lines) if line]
        if kept:
            self.paragraphs.append("\n".join(kept))


def _classes(tag: Tag) -> list[str]:
    value = tag.get("class")
    return value if isinstance(value, list) else []


def _first_text(tag: Tag, selector: str) -> str:
    found = tag.select_one(selector)
    return found.get_text(" ") if found is not None else ""


def _oglink(tag: Tag, out: BodyText) -> None:
    """A link preview becomes one paragraph: title, summary and address on their own lines. The
    full address is the link's href; `.se-oglink-url` often shows the domain only."""
    anchor = tag.select_one("a.se-oglink-info[href], a.se-oglink-thumbnail[href], a[href]")
    href = anchor.get("href") if anchor is not None else None
    url = href if isinstance(href, str) and href.strip() else _first_text(tag, ".se-oglink-url")
    out.add_paragraph(_first_text(tag, ".se-oglink-title"), _first_text(tag, ".se-oglink-summary"), url)


@dataclass(frozen=True)
class _Paragraph:
    """A paragraph to emit when the walk reaches this point (after a quote's own text)."""

    lines: tuple[str, ...]


_BREAK_MARK = object()


def _quotation(tag: Tag, stack: list[object]) -> None:
    """Quote paragraphs, then the source as `— cite` (the walk skips `.se-cite` itself)."""
    cite = tag.select_one(".se-cite")
    source = clean_line(cite.get_text(" ")) if cite is not None else ""
    if source:
        stack.append(_Paragraph((f"— {source}",)))
    stack.append(_BREAK_MARK)
    stack.extend(reversed((tag.select_one(".se-quote") or tag).contents))


def _walk(root: Tag, out: BodyText) -> None:
    stack: list[object] = list(reversed(root.contents))
    while stack:
        node = stack.pop()
        if node is _BREAK_MARK:
            out.flush()
        elif type(node) is NavigableString:  # comments, doctypes and CDATA are subclasses: skipped
            out.add_text(str(node).replace(_BREAK, " "))
        elif isinstance(node, _Paragraph):
            out.add_paragraph(*node.lines)
        elif isinstance(node, Tag):
            name = node.name
            if name in _SKIPPED_TAGS:
                continue
            if name == "br":
                out.add_text(_BREAK)
            elif name == "img":
                out.add_image(image_url(node))
            elif name in _CELL_TAGS:
                out.add_text(" ")
                stack.extend(reversed(node.contents))
            else:
                classes = _classes(node)
                if "se-oglink" in classes:
                    _oglink(node, out)
                elif "se-quotation" in classes:
                    out.flush()
                    _quotation(node, stack)
                elif not _SKIPPED_COMPONENTS.intersection(classes):
                    if name in _BLOCK_TAGS:
                        out.flush()
                        stack.append(_BREAK_MARK)
                    stack.extend(reversed(node.contents))


def body_text(root: Tag) -> BodyText:
    """Plain text and images of an article body (SmartEditor blocks or plain HTML)."""
    out = BodyText()
    _walk(root, out)
    out.flush()
    return out
