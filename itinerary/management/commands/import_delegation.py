import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from itinerary.transfer import ImportRefused, import_delegation


class Command(BaseCommand):
    help = "Create a delegation from a file written by export_delegation. All or nothing."

    def add_arguments(self, parser):
        parser.add_argument("path")

    def handle(self, *args, path: str, **options):
        try:
            with open(path, encoding="utf-8") as file:
                data = json.load(file)
            delegation = import_delegation(data)
        except (OSError, json.JSONDecodeError) as error:
            raise CommandError(f"Cannot read {path}: {error}") from None
        except (ImportRefused, ValidationError, KeyError, TypeError) as error:
            raise CommandError(f"Nothing imported: {error}") from None
        counts = (delegation.members.count(), delegation.meetings.count(), delegation.travellegs.count())
        self.stdout.write(
            f"Imported {delegation.name}: {counts[0]} members, {counts[1]} meetings, {counts[2]} legs."
        )
