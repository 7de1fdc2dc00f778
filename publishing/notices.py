"""Tell each member what a release changed for them: once, by e-mail when they have an address, and
always in the "What changed" box on their page.

A notice covers the changes since the last release that had notices, so a burst of automatic
releases (every save publishes during the mission) ends in one notice per member, sent once the
edits have been quiet for `NOTICE_QUIET_MINUTES`. The database allows one notice per member per
release; sending happens in a background task (publishing.tasks) and a failed send is retried.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import ngettext

from delegations.models import Delegation, Member
from missionplanner.text import one_line
from publishing.changes import Changes, changes_between
from publishing.models import Notice, Release

# How a subject counts each kind of change: "1 moved", "2 new places".
KIND_WORDS = {
    "cancelled": lambda n: ngettext("%(n)d cancelled", "%(n)d cancelled", n),
    "deleted": lambda n: ngettext("%(n)d removed", "%(n)d removed", n),
    "taken_off": lambda n: ngettext("%(n)d taken off", "%(n)d taken off", n),
    "added": lambda n: ngettext("%(n)d new", "%(n)d new", n),
    "reinstated": lambda n: ngettext("%(n)d back on", "%(n)d back on", n),
    "moved": lambda n: ngettext("%(n)d moved", "%(n)d moved", n),
    "retimed": lambda n: ngettext("%(n)d new end time", "%(n)d new end times", n),
    "place": lambda n: ngettext("%(n)d new place", "%(n)d new places", n),
    "changed": lambda n: ngettext("%(n)d changed", "%(n)d changed", n),
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
    """ "Korea 2026: your schedule changed — 1 taken off, 2 moved, 1 hotel change"."""
    parts = [KIND_WORDS[kind](count) % {"n": count} for kind, count in changes.counts().items()]
    if changes.stays:
        count = len(changes.stays)
        parts.append(ngettext("%(n)d hotel change", "%(n)d hotel changes", count) % {"n": count})
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


def _since_last_notices(release: Release) -> tuple[Release | None, Changes]:
    """The last release before `release` that had notices, and what changed since it."""
    base = (
        Release.objects.filter(delegation_id=release.delegation_id, noticed=True, number__lt=release.number)
        .order_by("-number")
        .first()
    )
    return base, changes_between(base.snapshot if base else None, release.snapshot)


@dataclass(frozen=True)
class Waiting:
    """Notices of automatic releases, waiting for the edits to be quiet (notices_schedule)."""

    release: Release  # the latest release: its notices will cover every release since the last ones
    due: datetime  # when they go out if nothing else is saved meanwhile (with a worker running)
    told: list[tuple[Member, str]]  # who will be told, and the subject they will read


def notices_waiting(delegation: Delegation) -> Waiting | None:
    """What notices are waiting for the quiet spell, or None when none are."""
    release = delegation.releases.order_by("-number").first()
    if release is None or release.noticed:
        return None
    _, changes = _since_last_notices(release)
    told = []
    for member in delegation.members.filter(is_active=True).order_by("full_name"):
        mine = changes.for_member(member.pk)
        if mine.items or mine.stays:
            told.append((member, subject_for(delegation.name, mine)))
    if not told:
        return None
    due = release.published_at + timedelta(minutes=settings.NOTICE_QUIET_MINUTES)
    return Waiting(release, due, told)


@transaction.atomic
def notices_create(release: Release) -> list[Notice]:
    """One notice per member whose own itinerary changed since the last release with notices."""
    started = timezone.now()
    delegation = release.delegation
    base, changes = _since_last_notices(release)
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


INTERRUPTED = (
    "The worker stopped while sending this notice: it may have arrived. Resend it if {member} did not get it."
)


def notice_send(notice_id: int, *, attempt: str) -> str:
    """Send one notice by e-mail, at most once: on failure record why and try again later (a few
    times). `attempt` is the sending task's id.

    The attempt is recorded before the message leaves and cleared when its outcome is, each in its
    own statement, so a task that finds its own attempt still recorded was cut off mid-send (its
    worker killed) and taken up again: the message may have gone, so it is not sent again but marked
    failed with a word for staff, who can Resend. A notice that another task is sending, or that was
    sent, is left alone.
    """
    claimed = (
        Notice.objects.filter(
            pk=notice_id, send_attempt="", status__in=[Notice.Status.PENDING, Notice.Status.FAILED]
        )
        .exclude(email="")
        .update(send_attempt=attempt, attempts=F("attempts") + 1)
    )
    if not claimed:
        cut_off = Notice.objects.filter(pk=notice_id, send_attempt=attempt).select_related("member").first()
        if cut_off is None:
            return "nothing to send"
        cut_off.status, cut_off.send_attempt = Notice.Status.FAILED, ""
        cut_off.last_error = INTERRUPTED.format(member=cut_off.member.full_name)
        cut_off.save(update_fields=["status", "send_attempt", "last_error"])
        return "interrupted"
    notice = Notice.objects.select_related("member", "release__delegation").get(pk=notice_id)
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
    mine = Notice.objects.filter(pk=notice_id, send_attempt=attempt)
    try:
        message.send()
    except Exception as error:  # SMTP refusals, timeouts, DNS: all worth another try later
        mine.update(
            status=Notice.Status.FAILED, last_error=f"{type(error).__name__}: {error}", send_attempt=""
        )
        if notice.attempts <= len(RETRY_AFTER):
            from publishing import tasks

            tasks.enqueue_later(tasks.send_notice, RETRY_AFTER[notice.attempts - 1], notice_id=notice.pk)
        return "failed"
    mine.update(status=Notice.Status.SENT, last_error="", sent_at=timezone.now(), send_attempt="")
    return "sent"


def notice_resend(notice: Notice, *, attempts_seen: int | None) -> bool:
    """Queue one more send of a notice (failed, or sent and to go again, say to a corrected address);
    False when it is already on its way, or was sent again since the page showing it (`attempts_seen`
    tries) was loaded: one click, one send, however many clicks arrive at once."""
    from publishing import tasks

    resend = Notice.objects.filter(pk=notice.pk, send_attempt="").exclude(status=Notice.Status.PENDING)
    if attempts_seen is not None:
        resend = resend.filter(attempts=attempts_seen)
    if not resend.update(email=notice.member.email, status=Notice.Status.PENDING, last_error=""):
        return False
    transaction.on_commit(lambda: tasks.send_notice.enqueue(notice_id=notice.pk))
    return True
