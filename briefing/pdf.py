"""Print a book's HTML to PDF with WeasyPrint, offline.

The stylesheets are read from the static files on disk (file:// URLs): rendering never makes a
request, not even to this server. Fonts come from fontconfig; the print CSS names "Noto Sans CJK SC"
(Debian's fonts-noto-cjk) so Chinese never falls back to a box.
"""

from __future__ import annotations

import logging
from pathlib import Path

from django.contrib.staticfiles import finders
from django.templatetags.static import static

# WeasyPrint logs each step of each book at INFO ("Step 5 - Creating layout - Page 12"): not news.
# It is imported when the first book is printed, not by every process that loads the URLs.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

STYLESHEETS = {
    "a4": ("css/briefing.css", "css/briefing-a4.css"),
    "letter": ("css/briefing.css", "css/briefing-letter.css"),
}


def stylesheet_urls(paper: str, *, for_pdf: bool) -> list[str]:
    """The book's stylesheets: file:// URIs for WeasyPrint, static URLs for a browser."""
    if for_pdf:
        return [Path(finders.find(name)).as_uri() for name in STYLESHEETS[paper]]
    return [static(name) for name in STYLESHEETS[paper]]


def html_to_pdf(html: str) -> bytes:
    """The PDF of `html`, whose only outside resources are file:// stylesheets."""
    from weasyprint import HTML, URLFetcher

    fetcher = URLFetcher(allowed_protocols={"file"}, fail_on_errors=True)
    return HTML(
        string=html, base_url=Path(__file__).resolve().parent.as_uri() + "/", url_fetcher=fetcher
    ).write_pdf()
