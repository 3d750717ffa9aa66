"""Brand mentions: a post that names a good-to-know brand carries it as vector metadata."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from changple_domain.policies.change_detection import without_zero_width


def brand_mentions(title: str, content: str, brand_names: Iterable[str]) -> tuple[str, ...]:
    """The brands named in the title or content, in name order. Matching ignores case and
    spacing inside the name, because members write "카페 온도" and "카페온도" alike."""
    wanted = [name for name in brand_names if name]
    if not wanted:
        return ()
    # All white space goes, so of the text normalization only NFC and the invisible characters matter.
    text = unicodedata.normalize("NFC", without_zero_width(f"{title}\n{content}")).casefold()
    squeezed = "".join(text.split())
    return tuple(sorted({name for name in wanted if "".join(name.casefold().split()) in squeezed}))
