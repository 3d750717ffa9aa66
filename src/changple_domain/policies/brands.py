"""Brand mentions: a post that names a good-to-know brand carries it as vector metadata."""

from __future__ import annotations

from collections.abc import Iterable

from changple_domain.policies.change_detection import normalize_text


def brand_mentions(title: str, content: str, brand_names: Iterable[str]) -> tuple[str, ...]:
    """The brands named in the title or content, in name order. Matching ignores case and
    spacing inside the name, because members write "카페 온도" and "카페온도" alike."""
    text = normalize_text(f"{title}\n{content}").casefold()
    squeezed = "".join(text.split())
    found = {name for name in brand_names if name and "".join(name.casefold().split()) in squeezed}
    return tuple(sorted(found))
