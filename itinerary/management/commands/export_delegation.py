import json

from django.core.management.base import BaseCommand, CommandError

from delegations.models import Delegation
from itinerary.transfer import export_delegation


class Command(BaseCommand):
    help = "Write one delegation (members, stays, meetings, legs, their cities and organisations) as JSON."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--output", "-o", help="file to write (default: standard output)")

    def handle(self, *args, slug: str, output: str | None, **options):
        try:
            delegation = Delegation.objects.get(slug=slug)
        except Delegation.DoesNotExist:
            raise CommandError(f"No delegation with the slug {slug!r}.") from None
        text = json.dumps(export_delegation(delegation), ensure_ascii=False, indent=2)
        if output:
            with open(output, "w", encoding="utf-8") as file:
                file.write(text + "\n")
            self.stderr.write(f"Wrote {delegation.name} to {output}.")
        else:
            self.stdout.write(text)
