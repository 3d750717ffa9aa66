"""A cafe source over saved documents: `<article_id>.html` (an article page as the browser saw it),
`<article_id>.json` (a saved article-API answer), or records in an `articles.json` rendered into
pages on demand (`page_records`). Lets the pipeline and the demo run on a fixed copy of the cafe,
with no browser and no Naver session."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path

from changple_adapters.cafe_threads import PacedCafeSource
from changple_adapters.naver.page_records import PageRecords
from changple_domain.errors import InvalidSetting
from changple_domain.model.providers import ScrapedArticle, ScrapeOutcome

DEFAULT_CAFE_URL = "https://cafe.naver.com/changple"
_SAVED_NAME = re.compile(r"([1-9]\d*)\.(html|json)")


class SnapshotCafeSource(PacedCafeSource):
    """Reads `<id>.json` first (it carries the board id), then `<id>.html`, then the page rendered
    from the id's record in `articles.json`. A missing id looks like a deleted article, as a gap in
    ids does on the site. Post URLs are `{cafe_url}/{id}`. A malformed `articles.json` is
    InvalidSetting when the source is made."""

    def __init__(
        self, directory: Path | str, *, cafe_url: str = DEFAULT_CAFE_URL, scraped_at: datetime | None = None
    ) -> None:
        self.directory = Path(directory)
        if not self.directory.is_dir():
            raise InvalidSetting(f"snapshot directory {self.directory} does not exist or is not a directory")
        self.cafe_url = cafe_url.rstrip("/")
        self._scraped_at = scraped_at  # fixed for reproducible runs; None means "now"
        self._records = PageRecords.in_directory(self.directory)

    def post_url(self, article_id: int) -> str:
        return f"{self.cafe_url}/{article_id}"

    def fetch(self, article_id: int) -> ScrapedArticle:
        url = self.post_url(article_id)
        saved_json = self.directory / f"{article_id}.json"
        saved_html = self.directory / f"{article_id}.html"
        try:
            if saved_json.is_file():
                return self._from_json(saved_json, article_id, url)
            html = saved_html.read_text(encoding="utf-8", errors="replace") if saved_html.is_file() else None
            if html is None and self._records is not None:
                html = self._records.page(article_id)
            if html is not None:
                from changple_adapters.naver.parser import parse_article_html  # bs4: only when a page is read

                return parse_article_html(html, article_id=article_id, url=url, scraped_at=self._scraped_at)
        except OSError as exc:
            return ScrapedArticle(
                article_id=article_id, outcome=ScrapeOutcome.ERROR, reason=f"cannot read the saved article: {exc}"
            )
        return ScrapedArticle(
            article_id=article_id,
            outcome=ScrapeOutcome.DELETED,
            reason=f"no {article_id}.html or {article_id}.json in the snapshot",
        )

    def _from_json(self, path: Path, article_id: int, url: str) -> ScrapedArticle:
        """A saved API answer: the bare payload, or `{"status": N, "body": payload}` to keep the status."""
        try:
            saved = json.loads(path.read_text(encoding="utf-8"))
        except ValueError as exc:
            return ScrapedArticle(
                article_id=article_id, outcome=ScrapeOutcome.ERROR, reason=f"{path.name} is not JSON: {exc}"
            )
        status = 200
        if isinstance(saved, dict) and set(saved) == {"status", "body"} and isinstance(saved["status"], int):
            status, saved = saved["status"], saved["body"]
        from changple_adapters.naver.parser import parse_article_api

        return parse_article_api(saved, article_id=article_id, url=url, status_code=status, scraped_at=self._scraped_at)

    def article_ids(self) -> list[int]:
        """Every article id the snapshot holds a document or a record for, ascending."""
        found = {int(m.group(1)) for p in self.directory.iterdir() if (m := _SAVED_NAME.fullmatch(p.name))}
        if self._records is not None:
            found.update(self._records.article_ids())
        return sorted(found)

    def highest_article_id(self) -> int | None:
        """Where a scan of this snapshot can stop; None for an empty snapshot."""
        ids = self.article_ids()
        return ids[-1] if ids else None
