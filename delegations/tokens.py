"""Secret feed tokens: how they are made and rotated.

A token is the only key to a delegate's itinerary and feeds, so it carries 256 bits from `secrets`
and is never derived from anything guessable. Tokens do not expire; rotating one is the way to revoke it.
"""

import hashlib
import secrets

from django.db import transaction

TOKEN_BYTES = 32  # 256 bits
TOKEN_LENGTH = 43  # len(secrets.token_urlsafe(32))


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_digest(token: str) -> str:
    """What tokens are looked up by. Comparing digests in the database leaks, through timing, only
    how much of a digest matched, which says nothing about the token itself."""
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def rotate_member_tokens(*, members) -> int:
    """Give each member a fresh token; their old feed and page URLs stop working at once."""
    count = 0
    # Lock plain member rows: the caller's queryset may join nullable relations (the admin's does),
    # and PostgreSQL cannot lock the nullable side of an outer join.
    locked = members.model.objects.filter(
        pk__in=list(members.values_list("pk", flat=True))
    ).select_for_update()
    for member in locked:
        member.feed_token = new_token()
        member.save(update_fields=["feed_token", "feed_token_digest", "updated_at"])
        count += 1
    return count


@transaction.atomic
def rotate_delegation_token(*, delegation) -> str:
    delegation.feed_token = new_token()
    delegation.save(update_fields=["feed_token", "feed_token_digest", "updated_at"])
    return delegation.feed_token
