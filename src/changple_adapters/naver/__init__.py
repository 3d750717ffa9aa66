"""Naver Cafe scraping: pure parsers for article pages and the article API (`parser`), a source over
saved documents (`snapshot`), the bundled sample cafe (`sample`), and a live browser source
(`playwright_source`, which imports Playwright). Nothing is imported here, so naming one piece
does not load the HTML parser or the browser."""
