"""Who may open which staff page. Every URL of the project is covered: an unlisted one fails."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.factories import (
    CityFactory,
    DelegationFactory,
    MeetingFactory,
    MemberFactory,
    NoticeFactory,
    OrganisationFactory,
    ParticipantFactory,
    PlacementFactory,
    ReleaseFactory,
    RequestFactory,
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
#   public  - no login needed; logout - POST only.
GUARDS = {
    "dashboard": "own",
    "notices": "own",  # every mission the user staffs: never another's (test_views)
    "healthz": "public",
    "robots-txt": "public",
    "login": "public",
    "logout": "logout",
    "delegation-create": "shared",
    "delegation-overview": "mission",
    "delegation-edit": "mission",
    "delegation-delete": "mission",
    "schedule": "mission",
    "member-create": "mission",
    "member-detail": "mission",
    "member-edit": "mission",
    "member-delete": "mission",
    "member-rotate-token": "mission",  # GET: the confirmation page; POST: rotate
    "delegation-rotate-token": "mission",
    "deleted-items": "mission",
    "programme": "mission",  # GET: downloads and the upload form; POST: the preview of a file
    "programme-import": "mission-post",  # the preview's Import button
    "programme-export": "mission",
    "programme-template": "mission",
    "item-restore": "mission-post",
    "board": "mission",
    "board-data": "mission",
    "board-move": "mission-json",  # POST only, JSON with the item's version; an empty body moves nothing
    "board-meeting-create": "mission",
    "publish": "mission",  # GET: what would change; POST: publish (nothing pending: a message)
    "release-list": "mission",
    "notice-list": "mission",
    "notice-resend": "mission-post",
    "briefing": "mission",
    "briefing-print": "mission",
    "b2b-session-list": "mission",
    "b2b-session-create": "mission",
    "b2b-session": "mission",
    "b2b-session-edit": "mission",
    "b2b-session-delete": "mission",
    "b2b-solve": "mission-post",  # Solve / Fill empty slots only
    "b2b-solve-status": "mission",  # JSON polled by the session page
    "b2b-participant-list": "mission",
    "b2b-participant-create": "mission",
    "b2b-participant-edit": "mission",
    "b2b-participant-delete": "mission",
    "b2b-request-create": "mission",
    "b2b-request-edit": "mission",
    "b2b-request-delete": "mission",
    "b2b-grid-edit": "mission-post",  # the grid's small forms; an empty one redirects with a message
    "b2b-grid-json": "mission-json",  # the grid's drag and drop
    "b2b-placement-add": "mission",
    "b2b-placement": "mission",
    "b2b-outcomes": "mission",
    "b2b-table-plan": "mission",
    "b2b-table-plan-pdf": "mission",
    "b2b-table-plan-preview": "mission",
    "b2b-table-plan-preview-pdf": "mission",
    "b2b-buyer-agenda": "mission",
    "b2b-buyer-agenda-pdf": "mission",
    "b2b-buyer-agenda-preview": "mission",
    "b2b-buyer-agenda-preview-pdf": "mission",
    "buyer-page": "token",  # a B2B buyer's own agenda and feed
    "buyer-calendar": "token",
    "b2b-import": "mission",  # GET: downloads and the upload form; POST: the preview of a file
    "b2b-import-confirm": "mission-post",  # the preview's Import button
    "b2b-import-template": "mission",
    "b2b-export": "mission",
    "delegate-page": "token",
    "delegate-b2b": "token-form",  # a delegate marks their own B2B meetings held or no-show
    "member-calendar": "token",
    "delegation-calendar": "token",
    "delegate-briefing": "token",
    "delegate-briefing-print": "token",
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

ROLES = ["anonymous", "delegate", "non_staff", "other_staff", "own_staff", "superuser"]
# What each role gets, per guard and method: "ok" (200, 204, 304, or a redirect that is not to the
# login page), "login" (redirect to the login page), "denied" (403 or 404) or "method" (405).
_STAFF_ONLY = {"anonymous": "login", "delegate": "login", "non_staff": "denied"}
EXPECTED = {
    ("mission", "GET"): {**_STAFF_ONLY, "other_staff": "denied", "own_staff": "ok", "superuser": "ok"},
    ("mission", "POST"): {**_STAFF_ONLY, "other_staff": "denied", "own_staff": "ok", "superuser": "ok"},
    ("mission-post", "GET"): {
        **_STAFF_ONLY, "other_staff": "denied", "own_staff": "method", "superuser": "method",
    },
    ("mission-post", "POST"): {**_STAFF_ONLY, "other_staff": "denied", "own_staff": "ok", "superuser": "ok"},
    ("mission-json", "GET"): {
        **_STAFF_ONLY, "other_staff": "denied", "own_staff": "method", "superuser": "method",
    },
    ("mission-json", "POST"): {
        **_STAFF_ONLY, "other_staff": "denied", "own_staff": "invalid", "superuser": "invalid",
    },
    ("shared", "GET"): {**_STAFF_ONLY, "other_staff": "ok", "own_staff": "ok", "superuser": "ok"},
    ("shared", "POST"): {**_STAFF_ONLY, "other_staff": "ok", "own_staff": "ok", "superuser": "ok"},
    ("own", "GET"): {"anonymous": "login", "delegate": "login", "non_staff": "ok", "other_staff": "ok",
                     "own_staff": "ok", "superuser": "ok"},
    ("own", "POST"): {**dict.fromkeys(ROLES, "method"), "anonymous": "login", "delegate": "login"},
    ("token", "GET"): dict.fromkeys(ROLES, "ok"),
    ("token", "POST"): dict.fromkeys(ROLES, "method"),
    # The token is the key: whoever holds it may post, and only touches that member's meetings.
    ("token-form", "GET"): dict.fromkeys(ROLES, "ok"),
    ("token-form", "POST"): dict.fromkeys(ROLES, "ok"),
    ("public", "GET"): dict.fromkeys(ROLES, "ok"),
    # Logging out is a POST; whoever posts it lands on the login page.
    ("logout", "GET"): {**dict.fromkeys(ROLES, "method"), "anonymous": "login", "delegate": "login"},
    ("logout", "POST"): dict.fromkeys(ROLES, "login"),
}  # fmt: skip
PUBLIC = {"healthz": {"POST": "method"}, "robots-txt": {"POST": "method"}, "login": {"POST": "ok"}}


def _outcome(response) -> str:
    if response.status_code in (403, 404):
        return "denied"
    if response.status_code == 405:
        return "method"
    if response.status_code == 400:
        return "invalid"
    if response.status_code == 302 and response["Location"].startswith("/accounts/login/"):
        return "login"
    if response.status_code in (200, 204, 302, 304):
        return "ok"
    return f"status {response.status_code}"


READ_ONLY = {
    "delegation-overview",
    "schedule",
    "member-detail",
    "organisation-list",
    "city-list",
    "deleted-items",
    "board",
    "board-data",
    "programme-export",
    "programme-template",
    "release-list",
    "notice-list",
    "briefing",
    "briefing-print",
    "b2b-session-list",
    "b2b-session",
    "b2b-solve-status",
    "b2b-participant-list",
    "b2b-placement-add",
    "b2b-placement",
    "b2b-outcomes",
    "b2b-table-plan",
    "b2b-table-plan-pdf",
    "b2b-table-plan-preview",
    "b2b-table-plan-preview-pdf",
    "b2b-buyer-agenda",
    "b2b-buyer-agenda-pdf",
    "b2b-buyer-agenda-preview",
    "b2b-buyer-agenda-preview-pdf",
    "b2b-import-template",
    "b2b-export",
}


def _expected(name: str, method: str, role: str) -> str:
    guard = GUARDS[name]
    if guard == "public":
        return PUBLIC[name].get(method, "ok")
    expected = EXPECTED[(guard, method)][role]
    if method == "POST" and name in READ_ONLY and expected == "ok":
        return "method"  # pages that only show things refuse POST even from their own staff
    return expected


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
    gone = MeetingFactory(delegation=delegation, title="Cancelled dinner")
    gone.delete()
    objects = {
        "deleted_meeting": type(gone).history.filter(history_type="-").get().history_id,
        "delegation": delegation,
        "member": MemberFactory(delegation=delegation),
        "stay": StayFactory(delegation=delegation, city=meeting.city),
        "meeting": meeting,
        "leg": TravelLegFactory(delegation=delegation),
        "organisation": OrganisationFactory(),
        "city": CityFactory(name="Unused city"),
        "notice": NoticeFactory(release=ReleaseFactory(delegation=delegation)),
        "buyer": ParticipantFactory(session__delegation=delegation),  # in a B2B session of its own
        # A B2B meeting on the grid, and the request behind it, in a session of their own.
        "placement": (placement := PlacementFactory(seller__session__delegation=delegation, slot=1, table=1)),
        "request": RequestFactory(requester=placement.seller, target=placement.buyer),
    }
    own = UserFactory(username="own")
    delegation.staff.add(own)
    other_delegation = DelegationFactory()
    other = UserFactory(username="other")
    other_delegation.staff.add(other)
    users = {
        "anonymous": None,
        "delegate": None,  # no account: the member's token in the URL is all they have
        "non_staff": UserFactory(username="visitor", is_staff=False),
        "other_staff": other,
        "own_staff": own,
        "superuser": UserFactory(username="root", is_superuser=True),
    }
    return objects, users


# The B2B staff pages, and the object inside the session each one names (None: the session itself;
# "mission": no session, the delegation's list of them).
B2B_STAFF_URLS = {
    "b2b-session-list": "mission",
    "b2b-session-create": "mission",
    **dict.fromkeys(
        ["b2b-session", "b2b-session-edit", "b2b-session-delete",
         "b2b-solve", "b2b-solve-status", "b2b-participant-list", "b2b-participant-create",
         "b2b-request-create", "b2b-grid-edit", "b2b-grid-json", "b2b-placement-add", "b2b-outcomes"]
    ),
    "b2b-participant-edit": "participant",
    "b2b-participant-delete": "participant",
    "b2b-request-edit": "request",
    "b2b-request-delete": "request",
    "b2b-placement": "placement",
}  # fmt: skip


def _url(name, objects):
    kwargs = {}
    if name == "notice-resend":
        return reverse(name, args=[objects["delegation"].slug, objects["notice"].pk])
    if name == "item-restore":
        return reverse(name, args=[objects["delegation"].slug, "meeting", objects["deleted_meeting"]])
    if B2B_STAFF_URLS.get(name) == "mission":
        return reverse(name, args=[objects["delegation"].slug])
    if name in B2B_STAFF_URLS:
        placement = objects["placement"]
        items = {"participant": placement.buyer, "request": objects["request"], "placement": placement}
        item = [items[B2B_STAFF_URLS[name]].pk] if B2B_STAFF_URLS[name] else []
        return reverse(name, args=[objects["delegation"].slug, placement.session_id, *item])
    buyer = objects["buyer"]
    if name in ("buyer-page", "buyer-calendar"):
        return reverse(name, kwargs={"token": buyer.feed_token})
    if name.startswith("b2b-table-plan"):
        return reverse(name, args=[objects["delegation"].slug, buyer.session_id])
    if name.startswith("b2b-buyer-agenda"):
        return reverse(name, args=[objects["delegation"].slug, buyer.session_id, buyer.pk])
    if name.startswith(("b2b-import", "b2b-export")):
        args = {"b2b-import-template": ["requests"], "b2b-export": ["requests", "csv"]}.get(name, [])
        return reverse(name, args=[objects["delegation"].slug, buyer.session_id, *args])
    if GUARDS[name].startswith("token"):
        token = objects["delegation" if name == "delegation-calendar" else "member"].feed_token
        return reverse(name, kwargs={"token": token})
    if name.startswith(
        (
            "delegation-",
            "schedule",
            "member-",
            "stay-",
            "meeting-",
            "leg-",
            "deleted-",
            "board",
            "programme",
            "publish",
            "release-",
            "notice-",
            "briefing",
        )
    ) and name not in ("delegation-create",):
        kwargs["slug"] = objects["delegation"].slug
    prefix = name.split("-")[0]
    if name.endswith(("-edit", "-delete", "-cancel", "-detail", "-rotate-token")) and prefix != "delegation":
        kwargs["pk"] = objects[prefix].pk
    return reverse(name, kwargs=kwargs)


def test_every_url_of_the_project_has_a_guard():
    assert set(_project_url_names()) == set(GUARDS)


def _client_for(client, users, role):
    if users[role]:
        client.force_login(users[role])
    return client


@pytest.mark.parametrize("role", ROLES)
def test_every_url_answers_get_as_the_table_says(client, world, role):
    objects, users = world
    client = _client_for(client, users, role)
    wrong = {}
    for name in GUARDS:
        outcome = _outcome(client.get(_url(name, objects)))
        if outcome != _expected(name, "GET", role):
            wrong[name] = f"{outcome}, expected {_expected(name, 'GET', role)}"
    assert wrong == {}


@pytest.mark.parametrize("role", ["anonymous", "delegate", "non_staff", "other_staff"])
def test_every_url_refuses_post_from_outsiders_and_changes_nothing(client, world, role):
    objects, users = world
    client = _client_for(client, users, role)
    token, title = objects["member"].feed_token, objects["meeting"].title
    wrong = {}
    for name in GUARDS:
        expected = _expected(name, "POST", role)
        if expected == "ok" and GUARDS[name] != "public":
            continue  # allowed writes are checked one by one below
        outcome = _outcome(client.post(_url(name, objects), {"title": "Hijacked", "name": "Hijacked"}))
        if outcome != expected:
            wrong[name] = f"{outcome}, expected {expected}"
        if name == "logout":
            client = _client_for(client, users, role)
    assert wrong == {}
    for obj in objects.values():
        if not isinstance(obj, int):
            assert type(obj).objects.filter(pk=obj.pk).exists(), f"{obj} was deleted"
    assert not type(objects["meeting"]).objects.filter(title="Cancelled dinner").exists(), (
        "restored by an outsider"
    )
    objects["member"].refresh_from_db()
    objects["meeting"].refresh_from_db()
    assert (objects["member"].feed_token, objects["meeting"].title) == (token, title)
    assert objects["meeting"].status == "confirmed"


WRITE_URLS = [
    name for name, guard in GUARDS.items() if guard in ("mission", "mission-post", "mission-json", "shared")
]


@pytest.mark.parametrize("role", ["own_staff", "superuser"])
@pytest.mark.parametrize("name", WRITE_URLS)
def test_every_write_url_lets_its_staff_post(client, world, role, name):
    objects, users = world
    response = _client_for(client, users, role).post(_url(name, objects), {})
    assert _outcome(response) == _expected(name, "POST", role)


def test_other_staff_may_not_use_a_delegations_write_urls(client, world):
    objects, users = world
    client = _client_for(client, users, "other_staff")
    for name in WRITE_URLS:
        if GUARDS[name] != "shared":
            assert _outcome(client.post(_url(name, objects), {})) == "denied", name


def test_wrong_tokens_get_404(client, world):
    for name in ("delegate-page", "member-calendar", "delegation-calendar"):
        assert client.get(reverse(name, kwargs={"token": "not-a-real-token"})).status_code == 404


def test_dashboard_lists_only_the_users_own_missions(client, world):
    objects, users = world

    def listed() -> str:  # the world's mission (2016) is past: the dashboard lists it in its archive
        return client.get("/").content.decode() + client.get("/?archive=1").content.decode()

    client.force_login(users["other_staff"])
    assert objects["delegation"].name not in listed()
    client.force_login(users["own_staff"])
    assert objects["delegation"].name in listed()


def test_public_pages_need_no_login(client):
    assert client.get(reverse("healthz")).status_code == 200
    assert client.get(reverse("login")).status_code == 200
