"""Releases of a mission's schedule, and the notices that tell each delegate what changed for them."""

from django.conf import settings
from django.db import models

from delegations.models import Delegation, Member


class Release(models.Model):
    """What delegates see, frozen: their pages and feeds read the latest release, never the working copy.

    Immutable once written (nothing updates a release; see `publishing.release`). The snapshot is
    `publishing.snapshot`'s JSON.
    """

    delegation = models.ForeignKey(Delegation, on_delete=models.CASCADE, related_name="releases")
    number = models.PositiveIntegerField()
    note = models.TextField(blank=True, help_text="Shown to delegates with the changes.")
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField()
    automatic = models.BooleanField(default=False, help_text="Published by a save, not by a person.")
    loaded = models.BooleanField(
        default=False,
        help_text="Published by loading the mission (demo data, an import): where delegates start, "
        "not a change, so no notice and no entry under “What changed”.",
    )
    snapshot = models.JSONField()
    # Notices go out for the changes since the last release that had them: a burst of automatic
    # releases ends in one notice per member (see publishing.notices).
    noticed = models.BooleanField(default=False)

    class Meta:
        ordering = ["-number"]
        get_latest_by = "number"
        constraints = [
            models.UniqueConstraint(
                fields=["delegation", "number"], name="release_number_once_per_delegation"
            )
        ]

    def __str__(self) -> str:
        return f"{self.delegation} release {self.number}"


class Notice(models.Model):
    """One member told once what one release changed for them: e-mail when they have an address, and
    always the "What changed" box on their page."""

    class Status(models.TextChoices):
        PENDING = "pending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        NO_EMAIL = "no_email", "No e-mail address"

    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="notices")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="notices")
    subject = models.CharField(max_length=300)
    changes = models.JSONField(help_text="The member's changes in words, as sent.")
    email = models.EmailField(blank=True, help_text="The address it was sent to.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    send_attempt = models.CharField(
        max_length=64,
        blank=True,
        help_text="The task sending it: recorded before the message leaves, cleared once the outcome is.",
    )
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-release__number", "member__full_name"]
        constraints = [
            models.UniqueConstraint(fields=["release", "member"], name="notice_once_per_member_per_release")
        ]

    def __str__(self) -> str:
        return f"{self.subject} → {self.member}"
