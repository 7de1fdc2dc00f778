"""Tell each member what a release changed for them: once, by e-mail when they have an address, and
always in the "What changed" box on their page.

A notice covers the changes since the last release that had notices, so a burst of automatic
releases (every save publishes during the mission) ends in one notice per member, sent once the
edits have been quiet for `NOTICE_QUIET_MINUTES`. The database allows one notice per member per
release; sending happens in a background task (publishing.tasks) and a failed send is retried.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from missionplanner.text import one_line
from publishing.changes import Changes, changes_between
from publishing.models import Notice, Release

KIND_WORDS = {
    "cancelled": "cancelled",
    "deleted": "removed",
    "added": "new",
    "reinstated": "back on",
    "moved": "moved",
    "retimed": "new end time",
    "place": "new place",
    "changed": "changed",
}
RETRY_AFTER = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30))


def notices_schedule(release: Release) -> None:
    """Notices for a release just written: now for one a person published, after a quiet spell for
    an automatic one (a later save's release takes over and covers this one's changes)."""
    from publishing import tasks

    if not release.automatic:
        notices_create(release)
        return
    quiet = timedelta(minutes=settings.NOTICE_QUIET_MINUTES)
    transaction.on_commit(
        lambda: tasks.enqueue_later(
            tasks.notify_after_quiet_spell, quiet, delegation_id=release.delegation_id, number=release.number
        )
    )


def subject_for(delegation_name: str, changes: Changes) -> str:
    """ "Korea 2026: your schedule changed — 1 cancelled, 2 moved"."""
    counts = changes.counts()
    parts = [f"{count} {KIND_WORDS[kind]}" for kind, count in counts.items()]
    if changes.stays:
        parts.append("hotel " + ("change" if len(changes.stays) == 1 else "changes"))
    # One line whatever the name holds: a header with a line break is refused (BadHeaderError).
    return one_line(f"{delegation_name}: your schedule changed — {', '.join(parts)}")


def _as_json(changes: Changes, note: str) -> dict:
    return {
        "note": note,
        "items": [
            {"title": change.title, "kind": change.kind, "when": change.when, "lines": list(change.lines)}
            for change in changes.items
        ],
        "stays": [change.text for change in changes.stays],
    }


@transaction.atomic
def notices_create(release: Release) -> list[Notice]:
    """One notice per member whose own itinerary changed since the last release with notices."""
    started = timezone.now()
    delegation = release.delegation
    base = (
        Release.objects.filter(delegation=delegation, noticed=True, number__lt=release.number)
        .order_by("-number")
        .first()
    )
    changes = changes_between(base.snapshot if base else None, release.snapshot)
    Release.objects.filter(delegation=delegation, number__lte=release.number, noticed=False).update(
        noticed=True
    )
    notes = Release.objects.filter(
        delegation=delegation, number__gt=base.number if base else 0, number__lte=release.number
    ).exclude(note="")
    note = "\n\n".join(notes.order_by("number").values_list("note", flat=True))
    rows = []
    for member in delegation.members.filter(is_active=True).order_by("full_name"):
        mine = changes.for_member(member.pk)
        if mine.items or mine.stays:
            rows.append(
                Notice(
                    release=release,
                    member=member,
                    subject=subject_for(delegation.name, mine),
                    changes=_as_json(mine, note),
                    email=member.email,
                    status=Notice.Status.PENDING if member.email else Notice.Status.NO_EMAIL,
                )
            )
    # One insert for all; a notice that already exists for this member and release stays as it was
    # (the unique constraint), so a second run sends nobody anything twice.
    Notice.objects.bulk_create(rows, ignore_conflicts=True)
    created = list(Notice.objects.filter(release=release, created_at__gte=started).select_related("member"))
    to_send = [notice.pk for notice in created if notice.status == Notice.Status.PENDING]
    if to_send:
        from publishing import tasks

        transaction.on_commit(lambda: [tasks.send_notice.enqueue(notice_id=pk) for pk in to_send])
    return created


def notice_send(notice: Notice) -> bool:
    """Send one notice by e-mail; on failure record why and try again later (a few times)."""
    member = notice.member
    page = settings.SITE_URL + reverse("delegate-page", args=[member.feed_token])
    context = {"notice": notice, "member": member, "changes": notice.changes, "page": page,
               "delegation": notice.release.delegation, "release": notice.release}  # fmt: skip
    message = EmailMultiAlternatives(
        subject=one_line(notice.subject),  # one written before names were kept to one line
        body=render_to_string("publishing/notice_email.txt", context),
        to=[notice.email],
    )
    message.attach_alternative(render_to_string("publishing/notice_email.html", context), "text/html")
    notice.attempts += 1
    try:
        message.send()
    except Exception as error:  # SMTP refusals, timeouts, DNS: all worth another try later
        notice.status, notice.last_error = Notice.Status.FAILED, f"{type(error).__name__}: {error}"
        notice.save(update_fields=["status", "last_error", "attempts"])
        if notice.attempts <= len(RETRY_AFTER):
            from publishing import tasks

            tasks.enqueue_later(tasks.send_notice, RETRY_AFTER[notice.attempts - 1], notice_id=notice.pk)
        return False
    notice.status, notice.last_error, notice.sent_at = Notice.Status.SENT, "", timezone.now()
    notice.save(update_fields=["status", "last_error", "attempts", "sent_at"])
    return True
