"""Tags by class and id, collected in one walk. The parser asks a dozen selector-like questions per
page; soupsieve walks the whole tree for each (most of a page's parse time), this walks it once."""

from __future__ import annotations

from collections import defaultdict

from bs4 import BeautifulSoup, Tag


def _classes(tag: Tag) -> list[str]:
    value = tag.get("class")
    return value if isinstance(value, list) else []


class TagIndex:
    def __init__(self, soup: BeautifulSoup) -> None:
        self.by_class: defaultdict[str, list[Tag]] = defaultdict(list)
        self.by_id: dict[str, Tag] = {}
        for tag in soup.find_all(True):
            for name in _classes(tag):
                self.by_class[name].append(tag)
            ident = tag.get("id")
            if isinstance(ident, str):
                self.by_id.setdefault(ident, tag)

    def first(self, cls: str, *, name: str | None = None, inside: str | None = None) -> Tag | None:
        """The first `name.cls` (in document order) with an ancestor of class `inside`: `.inside name.cls`.
        `inside` may be `tag.class` to require the ancestor's tag name too."""
        outer_name, _, outer_class = inside.rpartition(".") if inside else ("", "", "")
        for tag in self.by_class.get(cls, ()):
            if name is not None and tag.name != name:
                continue
            if inside is None or any(
                outer_class in _classes(parent) and (not outer_name or parent.name == outer_name)
                for parent in tag.parents
            ):
                return tag
        return None

    def first_in(self, outer: str, name: str, *, outer_name: str | None = None) -> Tag | None:
        """The first `name` tag inside the first element of class `outer`: `outer_name.outer name`."""
        for container in self.by_class.get(outer, ()):
            if outer_name is not None and container.name != outer_name:
                continue
            found = container.find(name)
            if isinstance(found, Tag):
                return found
        return None
