"""Who may open which staff page. Every URL of the project is covered: an unlisted one fails."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.factories import (
    CityFactory,
    DelegationFactory,
    MeetingFactory,
    MemberFactory,
    OrganisationFactory,
    StayFactory,
    TravelLegFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

# How each URL is guarded:
#   mission - pages of one delegation: its staff and superusers; anyone else logged in gets 404.
#   shared  - organisations, cities, creating a mission: any staff user; other users get 403.
#   own     - pages that show only the user's own missions: any logged-in user.
#   mission-post - the same, for POST-only actions (GET is 405 Method Not Allowed to those allowed).
#   token   - delegates' pages and feeds: the secret token is the key, see tests/feeds.
#   public  - no login needed.
GUARDS = {
    "dashboard": "own",
    "healthz": "public",
    "login": "public",
    "logout": "public",
    "delegation-create": "shared",
    "delegation-overview": "mission",
    "delegation-edit": "mission",
    "delegation-delete": "mission",
    "schedule": "mission",
    "member-create": "mission",
    "member-detail": "mission",
    "member-edit": "mission",
    "member-delete": "mission",
    "member-rotate-token": "mission-post",
    "delegation-rotate-token": "mission-post",
    "delegate-page": "token",
    "member-calendar": "token",
    "delegation-calendar": "token",
    "stay-create": "mission",
    "stay-edit": "mission",
    "stay-delete": "mission",
    "meeting-create": "mission",
    "meeting-edit": "mission",
    "meeting-cancel": "mission",
    "meeting-delete": "mission",
    "leg-create": "mission",
    "leg-edit": "mission",
    "leg-cancel": "mission",
    "leg-delete": "mission",
    "organisation-list": "shared",
    "organisation-create": "shared",
    "organisation-edit": "shared",
    "organisation-delete": "shared",
    "city-list": "shared",
    "city-create": "shared",
    "city-edit": "shared",
    "city-delete": "shared",
}

# Expected status for a GET by each role, per guard.
EXPECTED = {
    "mission-post": {
        "anonymous": 302,
        "non_staff": 404,
        "other_staff": 404,
        "own_staff": 405,
        "superuser": 405,
    },
    "mission": {"anonymous": 302, "non_staff": 404, "other_staff": 404, "own_staff": 200, "superuser": 200},
    "shared": {"anonymous": 302, "non_staff": 403, "other_staff": 200, "own_staff": 200, "superuser": 200},
    "own": {"anonymous": 302, "non_staff": 200, "other_staff": 200, "own_staff": 200, "superuser": 200},
}


def _project_url_names(patterns=None, namespace=None):
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue  # Django admin guards itself; see tests/test_admin.py
            yield from _project_url_names(pattern.url_patterns, pattern.namespace)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield pattern.name


@pytest.fixture
def world():
    delegation = DelegationFactory(slug="ca-china-2016")
    meeting = MeetingFactory(delegation=delegation)
    objects = {
        "delegation": delegation,
        "member": MemberFactory(delegation=delegation),
        "stay": StayFactory(delegation=delegation, city=meeting.city),
        "meeting": meeting,
        "leg": TravelLegFactory(delegation=delegation),
        "organisation": OrganisationFactory(),
        "city": CityFactory(name="Unused city"),
    }
    own = UserFactory(username="own")
    delegation.staff.add(own)
    other_delegation = DelegationFactory()
    other = UserFactory(username="other")
    other_delegation.staff.add(other)
    users = {
        "anonymous": None,
        "non_staff": UserFactory(username="visitor", is_staff=False),
        "other_staff": other,
        "own_staff": own,
        "superuser": UserFactory(username="root", is_superuser=True),
    }
    return objects, users


def _url(name, objects):
    kwargs = {}
    if name.startswith(("delegation-", "schedule", "member-", "stay-", "meeting-", "leg-")) and name not in (
        "delegation-create",
    ):
        kwargs["slug"] = objects["delegation"].slug
    prefix = name.split("-")[0]
    if name.endswith(("-edit", "-delete", "-cancel", "-detail", "-rotate-token")) and prefix != "delegation":
        kwargs["pk"] = objects[prefix].pk
    return reverse(name, kwargs=kwargs)


def test_every_url_of_the_project_has_a_guard():
    assert set(_project_url_names()) == set(GUARDS)


@pytest.mark.parametrize("role", ["anonymous", "non_staff", "other_staff", "own_staff", "superuser"])
def test_staff_pages_answer_each_role_as_the_table_says(client, world, role):
    objects, users = world
    if users[role]:
        client.force_login(users[role])
    wrong = []
    for name, guard in GUARDS.items():
        if guard in ("public", "token"):
            continue
        url = _url(name, objects)
        response = client.get(url)
        expected = EXPECTED[guard][role]
        if response.status_code != expected:
            wrong.append(f"{url}: {response.status_code}, expected {expected}")
        if expected == 302:
            assert response["Location"].startswith("/accounts/login/?next=")
    assert wrong == []


@pytest.mark.parametrize("role", ["anonymous", "non_staff", "other_staff"])
def test_outsiders_cannot_change_or_delete_a_mission(client, world, role):
    objects, users = world
    if users[role]:
        client.force_login(users[role])
    token = objects["member"].feed_token
    for name in (
        "delegation-delete",
        "meeting-delete",
        "member-delete",
        "meeting-cancel",
        "member-rotate-token",
    ):
        response = client.post(_url(name, objects))
        assert response.status_code in (302, 404)
        if response.status_code == 302:
            assert response["Location"].startswith("/accounts/login/")
    response = client.post(_url("meeting-edit", objects), {"title": "Hijacked"})
    assert response.status_code in (302, 404)
    objects["meeting"].refresh_from_db()
    assert objects["meeting"].title != "Hijacked"
    assert objects["meeting"].status == "confirmed"
    assert type(objects["delegation"]).objects.filter(pk=objects["delegation"].pk).exists()
    objects["member"].refresh_from_db()
    assert objects["member"].feed_token == token


def test_dashboard_lists_only_the_users_own_missions(client, world):
    objects, users = world
    client.force_login(users["other_staff"])
    content = client.get("/").content.decode()
    assert objects["delegation"].name not in content
    client.force_login(users["own_staff"])
    assert objects["delegation"].name in client.get("/").content.decode()


def test_public_pages_need_no_login(client):
    assert client.get(reverse("healthz")).status_code == 200
    assert client.get(reverse("login")).status_code == 200
