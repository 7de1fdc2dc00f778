"""Automatic publishing: during the mission, with the delegation's switch on, each save publishes.

Signals from every model that shapes what delegates see queue one publish per delegation, run once
the saving transaction commits (a form's save, its attendees and its counterparts are one request,
one transaction, one release). Notices for such releases wait for a quiet spell (publishing.notices).
"""

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from delegations.models import Delegation, Member
from itinerary.models import Meeting, MeetingCounterpart, Stay, TravelLeg
from itinerary.signals import mission_loaded


def publish_soon(delegation_id: int) -> None:
    """Publish once the current transaction commits; once, however many rows it touched.

    The queue is Django's own list of commit callbacks, so a rolled-back transaction forgets its
    publish along with everything else.
    """
    connection = transaction.get_connection()
    waiting = (func for _, func, _ in connection.run_on_commit if not getattr(func, "done", True))
    if any(func.publishes == delegation_id for func in waiting):
        return

    def publish():
        publish.done = True
        delegation = Delegation.objects.filter(pk=delegation_id, publish_automatically=True).first()
        if delegation is not None:
            from publishing.release import release_publish

            release_publish(delegation=delegation, automatic=True)

    publish.publishes, publish.done = delegation_id, False
    transaction.on_commit(publish)


def _delegation_id(instance) -> int | None:
    if isinstance(instance, MeetingCounterpart):
        return Meeting.objects.filter(pk=instance.meeting_id).values_list("delegation_id", flat=True).first()
    return getattr(instance, "delegation_id", None)


def _switched_on(delegation_id: int | None) -> bool:
    return (
        bool(delegation_id)
        and Delegation.objects.filter(pk=delegation_id, publish_automatically=True).exists()
    )


@receiver(post_save, sender=Meeting)
@receiver(post_save, sender=TravelLeg)
@receiver(post_save, sender=Stay)
@receiver(post_save, sender=Member)
@receiver(post_save, sender=MeetingCounterpart)
@receiver(post_delete, sender=Meeting)
@receiver(post_delete, sender=TravelLeg)
@receiver(post_delete, sender=Stay)
@receiver(post_delete, sender=Member)
@receiver(post_delete, sender=MeetingCounterpart)
def publish_after_change(sender, instance, raw=False, **kwargs):
    if raw:
        return  # fixtures
    delegation_id = _delegation_id(instance)
    if _switched_on(delegation_id):
        publish_soon(delegation_id)


@receiver(m2m_changed, sender=Meeting.attendees.through)
@receiver(m2m_changed, sender=TravelLeg.attendees.through)
def publish_after_attendees_change(sender, instance, action, reverse=False, **kwargs):
    if action.startswith("post_") and not reverse and _switched_on(instance.delegation_id):
        publish_soon(instance.delegation_id)


@receiver(post_save, sender=Delegation)
def publish_after_mission_change(sender, instance, created=False, raw=False, **kwargs):
    if instance.publish_automatically and not created and not raw:
        publish_soon(instance.pk)


@receiver(mission_loaded)
def publish_loaded_mission(sender, delegation, **kwargs):
    from publishing.release import release_publish

    release_publish(delegation=delegation, note="The mission as it was loaded.", loaded=True)
