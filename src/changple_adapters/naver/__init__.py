"""Naver Cafe scraping: pure parsers for article pages and the article API, a source over saved
documents, and (in `changple_adapters.naver.playwright_source`, which imports Playwright) a live
browser source."""

from changple_adapters.naver.parser import is_login_url, parse_article_api, parse_article_html
from changple_adapters.naver.snapshot import SnapshotCafeSource

__all__ = ["SnapshotCafeSource", "is_login_url", "parse_article_api", "parse_article_html"]
