"""Writes to meetings and legs that are more than a form save."""

from django.db import transaction

from itinerary.models import ItemStatus, Meeting, TravelLeg


@transaction.atomic
def item_cancel(*, item: Meeting | TravelLeg) -> bool:
    """Mark an item cancelled, keeping it so calendar clients learn of it (SEQUENCE grows in save()).

    Returns False when it was cancelled already.
    """
    item = type(item).objects.select_for_update().get(pk=item.pk)
    if item.status == ItemStatus.CANCELLED:
        return False
    item.status = ItemStatus.CANCELLED
    item.save()
    return True
