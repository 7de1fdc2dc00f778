"""Releases know whether a load published them; the loads published before are found by their note,
which only a load ever wrote (publishing.automatic.publish_loaded_mission)."""

from django.db import migrations, models

LOAD_NOTE = "The mission as it was loaded."


def mark_earlier_loads(apps, schema_editor):
    Release = apps.get_model("publishing", "Release")
    Release.objects.filter(note=LOAD_NOTE, automatic=False, published_by=None).update(loaded=True)


class Migration(migrations.Migration):
    dependencies = [
        ("publishing", "0002_first_releases"),
    ]

    operations = [
        migrations.AddField(
            model_name="release",
            name="loaded",
            field=models.BooleanField(
                default=False,
                help_text="Published by loading the mission (demo data, an import): where delegates "
                "start, not a change, so no notice and no entry under “What changed”.",
            ),
        ),
        migrations.RunPython(mark_earlier_loads, migrations.RunPython.noop),
    ]
