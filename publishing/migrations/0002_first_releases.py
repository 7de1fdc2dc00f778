"""Release 1 for every mission that existed before releases, so no delegate's feed goes empty.

It runs the app's own publishing code (the snapshot is the composition of today's schedule, too
much to restate with historical models). On a new database there is nothing to do.
"""

from django.db import migrations


def publish_existing_missions(apps, schema_editor):
    Delegation = apps.get_model("delegations", "Delegation")
    if not Delegation.objects.filter(releases__isnull=True).exists():
        return
    from delegations.models import Delegation as CurrentDelegation
    from publishing.release import release_publish

    for delegation in CurrentDelegation.objects.filter(releases__isnull=True):
        release_publish(delegation=delegation, note="First release: the schedule as it stood.", notify=False)


class Migration(migrations.Migration):
    dependencies = [
        ("publishing", "0001_initial"),
        ("itinerary", "0002_history_of_attendees_and_counterparts"),
    ]

    operations = [migrations.RunPython(publish_existing_missions, migrations.RunPython.noop)]
