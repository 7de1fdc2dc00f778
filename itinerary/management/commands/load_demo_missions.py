from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from itinerary.demo_missions import load_demo_missions
from matchmaking.demo import load_demo_sessions

DEMO_USERNAME = "demo"
DEMO_PASSWORD = "demo-mission-planner"


class Command(BaseCommand):
    help = (
        "Load (or refresh) the two demo missions from shared/seeds and their B2B session. Safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--demo-user",
            action="store_true",
            help=f"Also create a local superuser {DEMO_USERNAME!r} who staffs both missions (DEBUG only).",
        )

    def handle(self, *args, demo_user: bool, **options):
        delegations = load_demo_missions()
        for delegation in delegations:
            self.stdout.write(
                f"{delegation.name}: {delegation.members.count()} members, {delegation.stays.count()} stays, "
                f"{delegation.meetings.count()} meetings, {delegation.travellegs.count()} travel legs"
            )
        for session in load_demo_sessions():
            placed = session.placements.filter(slot__isnull=False).count()
            self.stdout.write(
                f"{session.title}: {session.participants.count()} participants, "
                f"{session.requests.count()} requests, {placed} meetings placed"
            )
        if demo_user:
            if not settings.DEBUG:
                self.stdout.write("No demo login created: DJANGO_DEBUG is off. Use createsuperuser instead.")
                return
            user = self._ensure_demo_user()
            for delegation in delegations:
                delegation.staff.add(user)
            self.stdout.write(
                self.style.WARNING(
                    f"Local demo login (DEBUG only): user {DEMO_USERNAME!r}, password {DEMO_PASSWORD!r}."
                )
            )

    def _ensure_demo_user(self):
        user, created = get_user_model().objects.get_or_create(
            username=DEMO_USERNAME, defaults={"is_staff": True, "is_superuser": True}
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        return user
