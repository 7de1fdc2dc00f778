"""Print a book's HTML to PDF with WeasyPrint, offline.

The stylesheets are read from the static files on disk (file:// URLs): rendering never makes a
request, not even to this server. Fonts come from fontconfig; the print CSS names "Noto Sans CJK SC"
(Debian's fonts-noto-cjk) so Chinese never falls back to a box.
"""

from __future__ import annotations

import logging
import threading
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


# One book at a time per process: Pango's font machinery is not made for threads, and the warm-up
# below may still be printing when the first request arrives (it then waits for it, not twice).
_printing = threading.Lock()


def html_to_pdf(html: str) -> bytes:
    """The PDF of `html`, whose only outside resources are file:// stylesheets."""
    from weasyprint import HTML, URLFetcher

    fetcher = URLFetcher(allowed_protocols={"file"}, fail_on_errors=True)
    with _printing:
        return HTML(
            string=html, base_url=Path(__file__).resolve().parent.as_uri() + "/", url_fetcher=fetcher
        ).write_pdf()


def warm_up() -> None:
    """Import WeasyPrint and load the CJK font now, so that a server's first book does not pay for
    them: seconds on a loaded machine (the import alone took 5 s at a load of 17 on 2 cores)."""
    html_to_pdf('<html lang="zh"><body style="font-family: \'Noto Sans CJK SC\'">Briefing 简报</body></html>')


def warm_up_in_background() -> threading.Thread:
    thread = threading.Thread(target=warm_up, name="weasyprint-warm-up", daemon=True)
    thread.start()
    return thread
