"""Keep calendar feeds truthful when items disappear from them.

Two ways an item leaves a feed without being cancelled first, and what keeps subscribers right:
- it is deleted outright: a DeletedItem keeps a cancelled copy for the feeds;
- a member is taken off it (or it stops being a whole-delegation item): a FeedWithdrawal keeps a
  cancelled copy in that member's personal feed, and the item's SEQUENCE grows so every client
  takes the change.
"""

from django.db.models import F
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete
from django.dispatch import receiver
from django.utils import timezone

from delegations.models import Delegation, Member
from itinerary.models import DeletedItem, FeedWithdrawal, Meeting, MeetingCounterpart, Stay, TravelLeg


def _zones(item) -> tuple[str, str]:
    if isinstance(item, TravelLeg):
        return item.origin.timezone, item.destination.timezone
    return item.city.timezone, item.city.timezone


@receiver(pre_delete, sender=Meeting)
@receiver(pre_delete, sender=TravelLeg)
def remember_attendees(sender, instance, **kwargs):
    instance._attendee_ids_before_delete = sorted(instance.attendees.values_list("pk", flat=True))


@receiver(post_delete, sender=Meeting)
@receiver(post_delete, sender=TravelLeg)
def keep_deleted_item_for_feeds(sender, instance, origin=None, **kwargs):
    if isinstance(origin, Delegation):
        return  # the whole mission is going, feeds included
    start_zone, end_zone = _zones(instance)
    is_leg = isinstance(instance, TravelLeg)
    DeletedItem.objects.update_or_create(
        uid=instance.uid,
        defaults=dict(
            delegation_id=instance.delegation_id,
            summary=str(instance) if is_leg else instance.title,
            starts_at=instance.departs_at if is_leg else instance.starts_at,
            ends_at=instance.arrives_at if is_leg else instance.ends_at,
            start_timezone=start_zone,
            end_timezone=end_zone,
            sequence=instance.sequence + 1,
            attendee_ids=getattr(instance, "_attendee_ids_before_delete", []),
            created_at=instance.created_at,
        ),
    )


def _effective(item, attendee_ids: set[int]) -> set[int]:
    """Who has the item in their personal feed: its attendees, or everyone when none are chosen."""
    if attendee_ids:
        return attendee_ids
    return set(item.delegation.members.filter(is_active=True).values_list("pk", flat=True))


@receiver(m2m_changed, sender=Meeting.attendees.through)
@receiver(m2m_changed, sender=TravelLeg.attendees.through)
def follow_attendee_changes(sender, instance, action, reverse, **kwargs):
    if reverse or not isinstance(instance, Meeting | TravelLeg):
        return  # changes made from the member's side are not used by the app
    if action in ("pre_add", "pre_remove", "pre_clear"):
        instance._attendees_before = set(instance.attendees.values_list("pk", flat=True))
        return
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if getattr(instance, "_just_created", False):
        # Choosing attendees for an item just created: nobody has it in a feed yet.
        instance._just_created = False
        return
    before = _effective(instance, instance._attendees_before)
    after = _effective(instance, set(instance.attendees.values_list("pk", flat=True)))
    if before == after:
        return
    field = "leg" if isinstance(instance, TravelLeg) else "meeting"
    for member_id in before - after:
        FeedWithdrawal.objects.update_or_create(member_id=member_id, **{field: instance})
    FeedWithdrawal.objects.filter(member_id__in=after - before, **{field: instance}).delete()
    now = timezone.now()
    type(instance).objects.filter(pk=instance.pk).update(sequence=F("sequence") + 1, updated_at=now)
    instance.refresh_from_db(fields=["sequence", "updated_at"])


@receiver(m2m_changed, sender=Meeting.counterparts.through)
def touch_meeting_on_counterpart_change(sender, instance, action, reverse, **kwargs):
    """Counterparts show in feeds, so changing them is a change to the meeting (and its stamp)."""
    if action in ("post_add", "post_remove", "post_clear") and not reverse:
        Meeting.objects.filter(pk=instance.pk).update(updated_at=timezone.now())


@receiver(post_save, sender=MeetingCounterpart)
@receiver(post_delete, sender=MeetingCounterpart)
def touch_meeting_on_counterpart_row_change(sender, instance, **kwargs):
    """The same for a counterpart row written directly (the admin's inline), not through the m2m API."""
    Meeting.objects.filter(pk=instance.meeting_id).update(updated_at=timezone.now())


@receiver(post_delete, sender=Member)
@receiver(post_delete, sender=Stay)
def touch_delegation_on_delete(sender, instance, origin=None, **kwargs):
    """A member's name leaves the feeds' attendee lists, a hotel leaves the delegate pages: both are
    changes to the delegation, whose stamps cannot see a row that is gone."""
    if not isinstance(origin, Delegation):
        Delegation.objects.filter(pk=instance.delegation_id).update(updated_at=timezone.now())
