"""Arbitrary input into every staff form and the CSV import: no 5xx, errors on the right field,
nothing saved on error, and whatever is saved comes out escaped in pages and parseable in feeds."""

import inspect
import json
import re
import string
from pathlib import Path
from urllib.parse import urlencode

import icalendar
import pytest
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import resolve, reverse
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from delegations.models import Member, Organisation
from itinerary.ical import _text
from itinerary.models import City, Meeting, Stay, TravelLeg
from publishing.release import release_publish
from tests.factories import CityFactory, DelegationFactory, MemberFactory, UserFactory
from tests.feeds.parsers import icaljs_raw
from tests.test_permissions import _project_url_names, _url, world  # noqa: F401 (a fixture, used by name)

HOSTILE = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=60),
    st.sampled_from([
        "<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "'; DROP TABLE itinerary_meeting; --",
        "a\x00b", "\r\nBEGIN:VEVENT\r\nUID:injected\r\n", "商务部，北京市东城区东长安街2号；\n第二行",
        "\u202e\u200b",
        "x" * 10_000, ",;\\:", "{{ 7*7 }}", "%(name)s", "",
    ]),
)  # fmt: skip
DATETIMES = st.one_of(
    st.sampled_from(["2016-10-25T09:30", "2016-02-30T10:00", "2016-13-01T10:00", "2016-03-13T02:30",
                     "25/10/2016", "9999-12-31T23:59", "0001-01-01T00:00", "", "now", "2016-10-25T24:00"]),
    st.text(alphabet=string.digits + "-T:", max_size=20),
)  # fmt: skip
# Fixed examples (derandomize) so CI is repeatable; bounded so the suite stays quick. No shrinking:
# a failure prints its example at once instead of spending minutes minimising it.
SETTINGS = settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)


class StaffFormsTest(TestCase):
    """Each example runs in its own transaction (hypothesis' Django TestCase), with a fresh world."""

    def setup_example(self):
        super().setup_example()
        self.user = UserFactory(username="planner")
        self.delegation = DelegationFactory(slug="ca-china-2016")
        self.delegation.staff.add(self.user)
        self.city = CityFactory()
        self.member = MemberFactory(delegation=self.delegation, full_name="Panorea Avdis")
        self.client.force_login(self.user)

    def assert_no_server_error(self, response):
        self.assertLess(response.status_code, 500, response.content[:500])

    @SETTINGS
    @given(title=HOSTILE, venue=HOSTILE, address_local=HOSTILE, description=HOSTILE, starts=DATETIMES)
    def test_meeting_form_survives_anything(self, title, venue, address_local, description, starts):
        before = Meeting.objects.count()
        response = self.client.post(
            reverse("meeting-create", args=[self.delegation.slug]),
            {"title": title, "kind": "government", "status": "confirmed", "city": self.city.pk,
             "venue": venue, "address_local": address_local, "description": description, "starts_at": starts,
             "ends_at": "2016-10-25T11:00", "attendees": [self.member.pk]},
        )  # fmt: skip
        self.assert_no_server_error(response)
        if response.status_code == 200:  # refused: errors shown on fields, nothing saved
            self.assertEqual(Meeting.objects.count(), before)
            self.assertTrue(response.context["form"].errors)
            return
        meeting = Meeting.objects.get(pk=Meeting.objects.latest("pk").pk)
        schedule = self.client.get(reverse("schedule", args=[self.delegation.slug])).content.decode()
        release_publish(delegation=self.delegation, notify=False)
        page = self.client.get(reverse("delegate-page", args=[self.member.feed_token])).content.decode()
        for html in (schedule, page):
            self.assertNotIn("<script>alert", html)
            self.assertNotIn("<img src=x", html)
        feed = self.client.get(reverse("delegation-calendar", args=[self.delegation.feed_token])).content
        events = {str(e["UID"]): e for e in icalendar.Calendar.from_ical(feed).walk("VEVENT")}
        # Titles are one line in a feed: line breaks become spaces, control characters go.
        self.assertEqual(str(events[meeting.ical_uid]["SUMMARY"]), _text(meeting.title))
        self.assertNotIn("injected", events)

    @SETTINGS
    @given(name=HOSTILE,
           zone=st.one_of(HOSTILE, st.sampled_from(["Asia/Shanghai", "asia/shanghai", "UTC+8"])),
           latitude=st.one_of(st.text(max_size=12), st.floats(allow_nan=True).map(str)))  # fmt: skip
    def test_city_form_survives_anything(self, name, zone, latitude):
        before = City.objects.count()
        response = self.client.post(
            reverse("city-create"), {"name": name, "country": "China", "timezone": zone, "latitude": latitude}
        )
        self.assert_no_server_error(response)
        if response.status_code == 200:
            self.assertEqual(City.objects.count(), before)
        else:
            self.assertEqual(City.objects.latest("pk").timezone, zone)

    @SETTINGS
    @given(full_name=HOSTILE, email=HOSTILE, phone=HOSTILE, notes=HOSTILE)
    def test_member_form_survives_anything(self, full_name, email, phone, notes):
        before = Member.objects.count()
        response = self.client.post(
            reverse("member-create", args=[self.delegation.slug]),
            {"full_name": full_name, "email": email, "phone": phone, "notes": notes, "role": "executive",
             "is_active": "on"},
        )  # fmt: skip
        self.assert_no_server_error(response)
        if response.status_code == 200:
            self.assertEqual(Member.objects.count(), before)

    @SETTINGS
    @given(name=HOSTILE, website=HOSTILE)
    def test_organisation_form_survives_anything(self, name, website):
        before = Organisation.objects.count()
        response = self.client.post(
            reverse("organisation-create"),
            {"name": name, "kind": "company", "country": "China", "website": website},
        )
        self.assert_no_server_error(response)
        if response.status_code == 200:
            self.assertEqual(Organisation.objects.count(), before)

    @SETTINGS
    @given(start=DATETIMES, end=DATETIMES, slug=HOSTILE, zone=HOSTILE)
    def test_delegation_form_survives_anything(self, start, end, slug, zone):
        response = self.client.post(
            reverse("delegation-create"),
            {"name": "Mission", "slug": slug, "start_date": start[:10], "end_date": end[:10],
             "home_timezone": zone, "travel_buffer_minutes": "30"},
        )  # fmt: skip
        self.assert_no_server_error(response)

    @SETTINGS
    @given(carrier=HOSTILE, number=HOSTILE, notes=HOSTILE, departs=DATETIMES, arrives=DATETIMES)
    def test_travel_leg_form_survives_anything(self, carrier, number, notes, departs, arrives):
        before = TravelLeg.objects.count()
        other = CityFactory(name="Shanghai", local_name="上海")
        response = self.client.post(
            reverse("leg-create", args=[self.delegation.slug]),
            {"mode": "flight", "carrier": carrier, "number": number, "notes": notes, "origin": self.city.pk,
             "destination": other.pk, "departs_at": departs, "arrives_at": arrives, "status": "confirmed"},
        )  # fmt: skip
        self.assert_no_server_error(response)
        if response.status_code == 200:
            self.assertEqual(TravelLeg.objects.count(), before)
        else:
            release_publish(delegation=self.delegation, notify=False)
            feed = self.client.get(reverse("delegation-calendar", args=[self.delegation.feed_token])).content
            self.assertEqual(len(icalendar.Calendar.from_ical(feed).walk("VEVENT")), before + 1)

    @SETTINGS
    @given(hotel=HOSTILE, address=HOSTILE, arrival=DATETIMES, departure=DATETIMES)
    def test_stay_form_survives_anything(self, hotel, address, arrival, departure):
        before = Stay.objects.count()
        response = self.client.post(
            reverse("stay-create", args=[self.delegation.slug]),
            {"city": self.city.pk, "hotel_name": hotel, "hotel_local_address": address,
             "arrival_date": arrival[:10], "departure_date": departure[:10]},
        )  # fmt: skip
        self.assert_no_server_error(response)
        if response.status_code == 200:
            self.assertEqual(Stay.objects.count(), before)
        else:
            overview = self.client.get(reverse("delegation-overview", args=[self.delegation.slug])).content
            self.assertNotIn(b"<script>alert", overview)

    @SETTINGS
    @given(cells=st.lists(st.lists(HOSTILE, min_size=1, max_size=10), min_size=1, max_size=5))
    def test_csv_import_survives_anything(self, cells):
        admin = UserFactory(username="root", is_superuser=True)
        self.client.force_login(admin)
        header = "delegation,full_name,local_name,title,organisation,role,email,phone,notes,is_active\n"
        body = "\n".join(",".join('"' + c.replace('"', '""') + '"' for c in row) for row in cells)
        upload = SimpleUploadedFile("members.csv", (header + body).encode("utf-8", "surrogatepass"))
        before = Member.objects.count()
        response = self.client.post(
            reverse("admin:delegations_member_import"),
            {"import_file": upload, "format": "0", "resource": "0"},
        )
        self.assert_no_server_error(response)
        self.assertEqual(Member.objects.count(), before)  # a preview never saves


def test_hostile_titles_saved_together_still_parse_in_icaljs(db, client):
    """One feed holding every nasty string at once, read by ical.js (once: Node is slow to start)."""
    delegation = DelegationFactory()
    city = CityFactory()
    nasty = [
        "<script>alert(1)</script>", "商务部，北京市；\n第二行", "\r\nBEGIN:VEVENT\r\nUID:injected", ",;\\:",
        "\u202e\u200b emoji 🎉", "长" * 200, "tab\there", "line\u2028sep\x0bvt\x1cfs\x85nel",
    ]  # fmt: skip
    for n, text in enumerate(nasty):
        Meeting.objects.create(
            delegation=delegation, city=city, title=text, description=text, venue=text,
            starts_at=f"2016-10-{10 + n}T01:00:00Z", ends_at=f"2016-10-{10 + n}T02:00:00Z",
        )  # fmt: skip
    release_publish(delegation=delegation, notify=False)
    feed = client.get(reverse("delegation-calendar", args=[delegation.feed_token])).content
    events = icaljs_raw(feed)["events"]
    assert sorted(e["summary"] for e in events) == sorted(_text(text) for text in nasty)
    assert all(e["uid"] != "injected" for e in events)


# --- every parameter of every view ------------------------------------------------------------------
# What a probe sent that ended in a 500 (issue 20): digits past any id, digits `str.isdigit()` takes
# and `int()` refuses, numbers JSON reads as infinity, nesting that recursed, and NUL, which
# PostgreSQL cannot hold in text.
HOSTILE_PARAMS = ["1" * 20, "²", "٣", "1e400", "Infinity", "-1", "a\x00b", "[" * 1000]
ALONE = ["1" * 20, "²", "1e400"]  # each in one parameter on its own
# Every query parameter the project's views read (the test below checks the list against the code).
PARAMS = ["archive", "page", "q", "format", "member", "starts_at", "ends_at", "city", "participant", "side",
          "requester", "target", "pair", "slot", "table", "compare", "with", "paper", "download", "_popup",
          "next", "name"]  # fmt: skip
_READS = re.compile(r"""(?:GET\.get\(|GET\[|int_param\([^,]+,\s*|_number\()\s*["'](\w+)["']""")
# POSTs that delete, cancel, rotate, publish, send or solve: they read no body, and would change the world.
_DESTRUCTIVE = (
    "-delete",
    "-cancel",
    "-rotate-token",
    "-resend",
    "-restore",
    "b2b-solve",
    "logout",
    "publish",
)
ROOT = Path(__file__).resolve().parent.parent
APPS = ("briefing", "delegations", "itinerary", "matchmaking", "missionplanner", "publishing")
NESTED = [b"[" * 1000 + b"]" * 1000, b'{"a":' * 1000 + b"1" + b"}" * 1000]
# Sent to every view that takes a POST; views that read the body get many more (_hostile_bodies).
BODIES = [*NESTED, b"\xff\xfe", b"\x00", b"null", b"[]", b'"text"', b"1e400", b"{" * 50_000]


def _project_sources():
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" not in path.parts:
                yield path


def test_the_walk_knows_every_query_parameter_the_code_reads():
    read = {name for path in _project_sources() for name in _READS.findall(path.read_text())}
    assert read - {"POPUP_VAR"} <= set(PARAMS), read - set(PARAMS)


def _module_sources(view) -> str:
    """The source of every module the view's classes come from: which parameters it may read."""
    view = getattr(view, "view_class", view)
    classes = view.__mro__ if isinstance(view, type) else [view]
    modules = {inspect.getmodule(cls) for cls in classes}
    ours = [module for module in modules if getattr(module, "__file__", "").startswith(str(ROOT) + "/")]
    return "".join(inspect.getsource(module) for module in ours if ".venv" not in module.__file__)


def _admin_urls():
    """Every admin list, and every admin change page with an id no row can have."""
    for model in admin.site._registry:
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        yield f"{prefix}_changelist", reverse(f"{prefix}_changelist")
        for object_id in ("1" * 20, "²", "1e400", "-1"):
            yield f"{prefix}_change", reverse(f"{prefix}_change", args=[object_id])


def _assert_no_500(failures):
    assert failures == [], "\n".join(failures[:30])


@pytest.mark.django_db
def test_every_query_parameter_of_every_view_survives_hostile_values(client, request):
    """Each hostile value in all the parameters at once, then in each parameter its view's module
    reads on its own (so a 404 for one cannot hide a 500 for another)."""
    objects, users = request.getfixturevalue("world")
    client.force_login(users["superuser"])
    client.raise_request_exception = False  # a 500 is collected, so one run lists them all
    failures = []
    for name in _project_url_names():
        url = _url(name, objects)
        source = _module_sources(resolve(url).func)
        own = [param for param in PARAMS if f'"{param}"' in source]
        queries = [dict.fromkeys(PARAMS, value) for value in HOSTILE_PARAMS]
        queries += [{param: value} for param in own for value in ALONE]
        for query in queries:
            if (status := client.get(url, query).status_code) >= 500:
                failures.append(f"{name} {url}?{urlencode(query)[:80]}: {status}")
    _assert_no_500(failures)


@pytest.mark.django_db
def test_the_admin_survives_hostile_ids_and_list_parameters(client, request):
    users = request.getfixturevalue("world")[1]
    client.force_login(users["superuser"])
    client.raise_request_exception = False  # a 500 is collected, so one run lists them all
    failures = []
    for name, url in _admin_urls():
        for value in HOSTILE_PARAMS if name.endswith("_changelist") else [""]:
            query = dict.fromkeys(["q", "p", "o", "e", "all", "_to_field", "_popup"], value) if value else {}
            if (status := client.get(url, query).status_code) >= 500:
                failures.append(f"{name} {url}?{urlencode(query)[:80]}: {status}")
    _assert_no_500(failures)


VERSION = "@version@"  # the item's version as it is when the body is sent


def _hostile_bodies(objects) -> list[bytes]:
    meeting, placement = objects["meeting"], objects["placement"]
    move = {
        "kind": "meeting",
        "pk": meeting.pk,
        "version": VERSION,
        "start": "2016-10-25T10:00",
    }
    grid = {"action": "move", "placement": placement.pk, "version": VERSION, "slot": 2, "table": 2}
    bodies = list(BODIES)
    for good in (move, grid):
        bodies.append(json.dumps(good).encode())
        for key in good:
            for value in ("1" * 20, 10**20, "²", "³", "Infinity", "NaN", -1, None, [], {}, "a\u0000b", True):
                bodies.append(json.dumps({**good, key: value}).encode())
            for raw in ("1e400", "-1e400", "Infinity", "NaN", "[" * 1000 + "]" * 1000):
                bodies.append(json.dumps({**good, key: "@"}).replace('"@"', raw).encode())
    for when in ("0001-01-01T00:00", "9999-12-31T23:59", "2016-02-30T10:00", "²", "2016-10-25T10:00+08:00"):
        bodies.append(json.dumps({**move, "start": when}).encode())
        bodies.append(json.dumps({**move, "start": "2016-10-25T10:00", "end": when}).encode())
    return bodies


@pytest.mark.django_db
def test_every_view_that_takes_a_post_survives_hostile_json_bodies(client, request):
    """A board move and a grid edit with each field hostile in turn, and bodies no view should read;
    the item's version is the current one, so a move gets as far as its times."""
    objects, users = request.getfixturevalue("world")
    client.force_login(users["superuser"])
    client.raise_request_exception = False  # a 500 is collected, so one run lists them all
    bodies = _hostile_bodies(objects)
    failures = []
    for name in _project_url_names():
        if name.endswith(_DESTRUCTIVE) or name.startswith(_DESTRUCTIVE):
            continue
        url = _url(name, objects)
        item = objects["placement" if name.startswith("b2b-") else "meeting"]
        view = resolve(url).func
        reads_body = "request.body" in inspect.getsource(getattr(view, "view_class", view))
        for body in bodies if reads_body else BODIES:
            item.refresh_from_db()
            body = body.replace(VERSION.encode(), item.updated_at.isoformat().encode())
            response = client.post(url, body, content_type="application/json")
            if response.status_code >= 500:
                failures.append(f"{name}: {body[:80]!r}: {response.status_code}")
    _assert_no_500(failures)
