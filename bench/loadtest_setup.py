"""Prepare the load test: migrate, build the large mission, print the URLs and a staff session.

Prints shell assignments (eval'd by bench/loadtest.sh).
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django

django.setup()

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.urls import reverse  # noqa: E402

from bench.large_mission import build_large_mission  # noqa: E402

call_command("migrate", verbosity=0)
call_command("collectstatic", "--noinput", verbosity=0)
mission = build_large_mission(slug="loadtest")
member = mission.members.order_by("pk")[1]
user, _ = get_user_model().objects.get_or_create(
    username="loadtest", defaults={"is_staff": True, "is_superuser": True}
)
user.set_password("loadtest-password")
user.save()
session = SessionStore()
session[SESSION_KEY] = str(user.pk)
session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
session[HASH_SESSION_KEY] = user.get_session_auth_hash()
session.create()
print(f"FEED_PATH={reverse('delegation-calendar', args=[mission.feed_token])}")
print(f"MEMBER_FEED_PATH={reverse('member-calendar', args=[member.feed_token])}")
print(f"SCHEDULE_PATH={reverse('schedule', args=[mission.slug])}")
print(f"DELEGATE_PATH={reverse('delegate-page', args=[member.feed_token])}")
print(f"SESSION_ID={session.session_key}")
