"""Secret links stay secret: out of search engines and out of the logs.

Delegates' pages, PDFs and feeds, and buyers' pages and feeds, are reached by a token in the URL
and nothing else. Every response says `X-Robots-Tag: noindex` (nothing here is for a search
engine: staff pages need a login, and the rest is somebody's itinerary), robots.txt disallows
everything, and the access logs of `runserver` and gunicorn show a digest prefix in place of
each token: `/my/3fa1c2d4…/` is enough to find the member (tokens are looked up by that digest)
and useless to anyone reading the log.
"""

from __future__ import annotations

import logging
import re

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.views.decorators.http import require_safe
from gunicorn.glogging import Logger as GunicornBaseLogger

from delegations.tokens import token_digest

NOINDEX = "noindex, nofollow, noarchive"
DIGEST_SHOWN = 8  # hex digits of the token's SHA-256 in a log line
# A path that starts with a prefix followed by a token, where a path starts: at the beginning, after a
# space or a quote, or after the host of a full URL (a referrer). Staff paths hold /b2b/ further in.
_TOKEN_IN_PATH = re.compile(
    r"""((?:^|[\s"']|://[^/\s"']+)/(?:my|b2b|feeds/member|feeds/delegation)/)([A-Za-z0-9_%-]+)"""
)


def mask_tokens(text: str) -> str:
    """`text` with every token in a delegate's or a buyer's path replaced by its digest prefix."""
    return _TOKEN_IN_PATH.sub(lambda found: f"{found[1]}{token_digest(found[2])[:DIGEST_SHOWN]}…", text)


class MaskTokens(logging.Filter):
    """A logging filter for the request logs (django.server, django.request) that masks tokens."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_tokens(message)
        if masked != message:
            record.msg, record.args = masked, ()
        return True


class GunicornLogger(GunicornBaseLogger):
    """gunicorn's logger with tokens masked in the request line, the path and the referrer of
    its access log (gunicorn.conf.py names it)."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for key in ("r", "U", "f", "{referer}i"):
            if isinstance(atoms.get(key), str):
                atoms[key] = mask_tokens(atoms[key])
        return atoms


class NoIndexMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("X-Robots-Tag", NOINDEX)
        return response


@login_not_required
@require_safe
def robots_txt(request):
    return HttpResponse("User-agent: *\nDisallow: /\n", content_type="text/plain; charset=utf-8")
