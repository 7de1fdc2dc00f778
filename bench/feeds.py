"""Benchmark feeds and pages on a large generated mission, against their floors.

    python bench/feeds.py [--meetings 1000] [--legs 100] [--repeat 7] [--missions 100]

Runs in a throwaway SQLite database (or DATABASE_URL when --use-database-url is given), measures
medians over repeated runs in one process with Django's test client (no network), prints a table,
and ends with one line of JSON. Targets (reported, never asserted): feed_vs_floor <= 1.5,
warm_feed_vs_floor <= 0.25, not_modified_vs_minimal_view <= 2.0, equal query counts at 10 and
1,000 meetings, schedule page under 300 ms, staff dashboard of 100 missions of 300 items under
100 ms with the same queries as for one mission, briefing_vs_floor (a delegate's book against
WeasyPrint alone on the same HTML) < 1.2.
"""

import argparse
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def parse_args():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--meetings", type=int, default=1000)
    parser.add_argument("--legs", type=int, default=100)
    parser.add_argument("--members", type=int, default=60)
    parser.add_argument(
        "--missions", type=int, default=100, help="missions on the dashboard (most of them past)"
    )
    parser.add_argument("--mission-items", type=int, default=300, help="meetings and legs per mission")
    parser.add_argument("--repeat", type=int, default=7, help="runs per slow measurement (median taken)")
    parser.add_argument(
        "--fast-repeat", type=int, default=300, help="runs per fast measurement (304, minimal)"
    )
    parser.add_argument(
        "--use-database-url", action="store_true", help="use DATABASE_URL instead of a temp SQLite"
    )
    parser.add_argument("--import-rows", type=int, default=5000, help="rows of the programme file imported")
    # Internal: print one briefing book in this fresh process (see bench_briefing).
    parser.add_argument("--briefing-child", choices=["delegate", "staff"], help=argparse.SUPPRESS)
    parser.add_argument("--briefing-target", help=argparse.SUPPRESS)
    return parser.parse_args()


def setup_django(use_database_url: bool) -> None:
    if not use_database_url:
        handle, path = tempfile.mkstemp(suffix=".sqlite3", prefix="missionplanner-bench-")
        os.close(handle)
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "missionplanner.settings")
    os.environ.setdefault("CACHE_URL", "locmem://bench")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test.utils import setup_test_environment

    setup_test_environment()
    settings.DEBUG = False  # no query log kept in memory
    settings.ROOT_URLCONF = "bench.urls"
    call_command("migrate", verbosity=0)


def median_ms(func, repeat: int, before=None) -> float:
    samples = []
    for _ in range(repeat):
        if before:
            before()
        started = time.perf_counter()
        func()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def floor_events(delegation):
    """The same events as plain Python objects, read once, outside any timing."""
    from itinerary.ical import feed_event
    from itinerary.schedule import load_mission

    mission = load_mission(delegation)
    return [
        feed_event(entry, mission, url=f"https://example.org/#{entry.key}").__dict__
        for entry in mission.entries
    ]


def icalendar_floor(events) -> bytes:
    """What a straightforward implementation does: icalendar serialises every event, every time."""
    from icalendar import Calendar, Event

    calendar = Calendar.new(prodid="-//floor//EN", name="Floor")
    for e in events:
        event = Event.new(
            uid=e["uid"],
            summary=e["summary"],
            start=e["start"],
            end=e["end"],
            stamp=e["stamp"],
            created=e["created"],
            last_modified=e["stamp"],
            sequence=e["sequence"],
            status=e["status"],
            location=e["location"] or None,
            description=e["description"] or None,
            url=e["url"] or None,
            categories=e["categories"],
        )
        if e["geo"]:
            event.add("geo", e["geo"])
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()


def count_queries(client, url: str, before=None) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    if before:
        before()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(captured)


PUBLISH_CHANGES = 50


def bench_publishing(args, release_publish) -> tuple[float, dict]:
    """Publishing a release with notices: a mission of 1,000 meetings and 60 members, 50 items moved.

    Each run moves 50 meetings (some for everyone, some for three members), then publishes with
    notices (created in one insert, their sending tasks queued in the database backend).
    """
    from datetime import timedelta

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bench.large_mission import build_large_mission
    from itinerary.models import Meeting

    def mission(slug, meetings):
        delegation = build_large_mission(slug=slug, meetings=meetings, legs=2, members=args.members)
        release_publish(delegation=delegation, notify=False)
        return delegation

    def move(delegation, count):
        for meeting in Meeting.objects.filter(delegation=delegation).order_by("pk")[:count]:
            meeting.starts_at += timedelta(minutes=5)
            meeting.ends_at += timedelta(minutes=5)
            meeting.save()

    large = mission("bench-publish-1000", args.meetings)
    publish_ms = median_ms(
        lambda: release_publish(delegation=large, note="Moved"),
        args.repeat,
        before=lambda: move(large, PUBLISH_CHANGES),
    )
    counts = {}
    for size, delegation in ((10, mission("bench-publish-10", 10)), (1000, large)):
        move(delegation, 10)
        with CaptureQueriesContext(connection) as captured:
            release_publish(delegation=delegation, note="Moved")
        counts[f"publish_queries_{size}"] = len(captured)
    return publish_ms, counts


def bench_briefing(args) -> dict:
    """The briefing book, each kind in a fresh process of its own, so each has its own peak memory.

    A delegate's book of the 2016 demo mission (from its release 1): the first request of the
    process, then from the cache; and the staff book of the generated mission, once (a cold build
    of 1,000 meetings takes seconds, so it is not repeated).
    """
    from delegations.models import Member
    from itinerary.demo_missions import load_demo_missions

    load_demo_missions()  # published: release 1
    delegate = Member.objects.get(full_name="Panorea Avdis")
    delegate_book = _briefing_in_child("delegate", delegate.feed_token, args.fast_repeat)
    staff_book = _briefing_in_child("staff", "bench-large", 0)
    return {
        "briefing_delegate_ms": delegate_book["ms"],
        "briefing_delegate_first_ms": delegate_book["first_ms"],
        "briefing_cached_ms": delegate_book["cached_ms"],
        "briefing_delegate_pages_kb": delegate_book["kb"],
        "briefing_staff_1000_ms": staff_book["ms"],
        "briefing_staff_1000_kb": staff_book["kb"],
        "briefing_delegate_rss_mb": delegate_book["rss_mb"],
        "briefing_staff_rss_mb": staff_book["rss_mb"],
        "briefing_peak_rss_mb": max(delegate_book["rss_mb"], staff_book["rss_mb"]),
        # WeasyPrint alone on the delegate book's HTML, in the same warm process: all the app adds
        # (its queries, the release read, the template) is the ratio's excess over 1 (target < 1.2).
        "briefing_floor_ms": delegate_book["floor_ms"],
        "briefing_vs_floor": round(delegate_book["ms"] / delegate_book["floor_ms"], 2),
    }


def _briefing_in_child(kind: str, target: str, repeat: int) -> dict:
    """Run this script as --briefing-child on the same database; its last line is its JSON."""
    import subprocess

    command = [sys.executable, __file__, "--use-database-url", "--briefing-child", kind]
    # "=": a token may start with "-", which argparse would take for an option.
    command += [f"--briefing-target={target}", f"--fast-repeat={repeat}"]
    result = subprocess.run(command, capture_output=True, text=True, check=False, env=os.environ.copy())
    if result.returncode != 0:
        raise RuntimeError(f"briefing {kind} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


BRIEFING_PAIRS = 5  # cold books and floors, taken in turn (fewer with a smaller --fast-repeat)


def _weasyprint_alone(html: str) -> bytes:
    """The floor: WeasyPrint turning the book's very HTML into a PDF, with its defaults, nothing else."""
    from weasyprint import HTML

    return HTML(string=html, base_url=(ROOT / "briefing").as_uri() + "/").write_pdf()


def briefing_child(args) -> None:
    """One book: the first request of this process (fonts loaded and all); for the delegate's, then
    with the cache cleared in this warm process, and from the cache."""
    setup_django(use_database_url=True)
    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.test import Client
    from django.urls import reverse

    client = Client()
    if args.briefing_child == "staff":
        client.force_login(get_user_model().objects.get(username="bench"))
        url = reverse("briefing", args=[args.briefing_target])
    else:
        url = reverse("delegate-briefing", args=[args.briefing_target])
    import briefing.views

    printed = []  # the HTML each book hands WeasyPrint, for the floor
    to_pdf = briefing.views.html_to_pdf
    briefing.views.html_to_pdf = lambda html: printed.append(html) or to_pdf(html)
    started = time.perf_counter()
    response = client.get(url)
    first_ms = (time.perf_counter() - started) * 1000
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf", response
    cold_ms = cached_ms = floor_ms = None
    if args.fast_repeat:
        # Cold cache in a process that has printed before (fonts loaded), as a server's would be;
        # each run followed by its floor, so that both see the same load on the machine.
        books, floors = [], []
        for _ in range(min(BRIEFING_PAIRS, args.fast_repeat)):
            books.append(median_ms(lambda: client.get(url), 1, before=cache.clear))
            floors.append(median_ms(lambda: _weasyprint_alone(printed[-1]), 1))
        cold_ms, floor_ms = statistics.median(books), statistics.median(floors)
        cached_ms = median_ms(lambda: client.get(url), args.fast_repeat)
    figures = {
        "floor_ms": None if floor_ms is None else round(floor_ms, 1),
        "first_ms": round(first_ms, 1),
        "ms": round(cold_ms if cold_ms is not None else first_ms, 1),
        "cached_ms": None if cached_ms is None else round(cached_ms, 3),
        "kb": round(len(response.content) / 1024),
        "rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    print(json.dumps(figures))


def bench_board(args, staff, small, large):
    """The planning board: its data request at 10 and 1,000 meetings, and one move by the endpoint."""
    from datetime import timedelta

    from django.core.cache import cache
    from django.urls import reverse

    from itinerary.models import Meeting

    data_url = reverse("board-data", args=[large.slug])
    # Built once per change of the working copy (cached by its stamp); cold is the first request after one.
    board_data_cold_ms = median_ms(lambda: staff.get(data_url), args.repeat, before=cache.clear)
    board_data_ms = median_ms(lambda: staff.get(data_url), args.repeat)
    queries = {
        "board_queries_10": count_queries(staff, reverse("board-data", args=[small.slug]), cache.clear),
        "board_queries_1000": count_queries(staff, data_url, cache.clear),
    }
    meeting = Meeting.objects.filter(delegation=large).order_by("pk")[7]
    local = meeting.starts_at.astimezone(meeting.city.zone).replace(tzinfo=None)
    moves = iter(range(1_000_000))
    body = {}

    def next_move():
        # Back and forth by 15 minutes, each time with the version the last move left.
        shift = timedelta(minutes=15 * (next(moves) % 2))
        meeting.refresh_from_db(fields=["updated_at"])
        body.update(
            kind="meeting",
            pk=meeting.pk,
            version=meeting.updated_at.isoformat(),
            start=(local + shift).isoformat(),
            end=(local + shift + timedelta(hours=1)).isoformat(),
        )

    def move():
        response = staff.post(
            reverse("board-move", args=[large.slug]), json.dumps(body), content_type="application/json"
        )
        assert response.status_code == 200, response.content

    board_move_ms = median_ms(move, args.repeat, before=next_move)
    return {
        "board_data_ms": board_data_ms,
        "board_data_cold_ms": board_data_cold_ms,
        "board_move_ms": board_move_ms,
    }, queries


def main() -> None:
    args = parse_args()
    if args.briefing_child:
        briefing_child(args)
        return
    setup_django(args.use_database_url)
    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.test import Client
    from django.urls import reverse

    from bench.large_mission import build_agency_missions, build_large_mission
    from itinerary import ical
    from itinerary.models import Meeting
    from publishing.release import release_publish

    def cold():
        cache.clear()
        ical.vevent.cache_clear()
        ical.vtimezone.cache_clear()

    small = build_large_mission(slug="bench-small", meetings=10, legs=2, members=10, organisations=20)
    large = build_large_mission(
        slug="bench-large", meetings=args.meetings, legs=args.legs, members=args.members
    )
    release_publish(delegation=small, notify=False)  # delegates see releases: publish what was built
    release_publish(delegation=large, notify=False)
    member = large.members.order_by("pk")[1]
    user = get_user_model().objects.create_superuser("bench", "bench@example.org", "bench")
    client, staff = Client(), Client()
    staff.force_login(user)

    feed_url = reverse("delegation-calendar", args=[large.feed_token])
    member_url = reverse("member-calendar", args=[member.feed_token])
    schedule_url = reverse("schedule", args=[large.slug])
    page_url = reverse("delegate-page", args=[member.feed_token])

    events = floor_events(large)
    floor_ms = median_ms(lambda: icalendar_floor(events), args.repeat)
    feed_ms = median_ms(lambda: client.get(feed_url), args.repeat, before=cold)
    member_feed_ms = median_ms(lambda: client.get(member_url), args.repeat, before=cold)

    meeting = Meeting.objects.filter(delegation=large).order_by("pk")[5]
    client.get(feed_url)  # warm: every VEVENT serialised once

    def change_one_item():
        meeting.title = f"Meeting renamed at {time.perf_counter_ns()}"
        meeting.save()
        release_publish(delegation=large, notify=False)

    warm_feed_ms = median_ms(lambda: client.get(feed_url), args.repeat, before=change_one_item)
    cached_feed_ms = median_ms(lambda: client.get(feed_url), args.repeat)

    etag = client.get(feed_url)["ETag"]
    assert client.get(feed_url, headers={"If-None-Match": etag}).status_code == 304
    not_modified_ms = median_ms(
        lambda: client.get(feed_url, headers={"If-None-Match": etag}), args.fast_repeat
    )
    minimal_view_ms = median_ms(lambda: client.get("/bench/minimal"), args.fast_repeat)

    schedule_ms = median_ms(lambda: staff.get(schedule_url), args.repeat)
    delegate_page_ms = median_ms(lambda: client.get(page_url), args.repeat)
    delegate_page_cold_ms = median_ms(lambda: client.get(page_url), args.repeat, before=cold)

    queries = {
        "feed_queries_10": count_queries(
            client, reverse("delegation-calendar", args=[small.feed_token]), cold
        ),
        "feed_queries_1000": count_queries(client, feed_url, cold),
        "member_feed_queries_10": count_queries(
            client, reverse("member-calendar", args=[small.members.first().feed_token]), cold
        ),
        "member_feed_queries_1000": count_queries(client, member_url, cold),
        "schedule_queries_10": count_queries(staff, reverse("schedule", args=[small.slug])),
        "schedule_queries_1000": count_queries(staff, schedule_url),
        "delegate_page_queries_10": count_queries(
            client, reverse("delegate-page", args=[small.members.first().feed_token]), cold
        ),
        "delegate_page_queries_1000": count_queries(client, page_url, cold),
    }
    # The dashboard of an agency with years of missions, against one staffing a single mission.
    agency, planner, solo = build_agency_missions(count=args.missions, items=args.mission_items)
    planner_client, solo_client = Client(), Client()
    planner_client.force_login(planner)
    solo_client.force_login(solo)
    dashboard_url = reverse("dashboard")
    assert agency[0].name in planner_client.get(dashboard_url).content.decode()
    # Warm: conflict counts of unchanged missions come from the cache. Cold: every current and
    # upcoming mission loaded and checked, as after each of them changed.
    dashboard_ms = median_ms(lambda: planner_client.get(dashboard_url), args.repeat)
    dashboard_cold_ms = median_ms(lambda: planner_client.get(dashboard_url), args.repeat, before=cache.clear)
    archive_ms = median_ms(lambda: planner_client.get(f"{dashboard_url}?archive=1&page=2"), args.repeat)
    queries["dashboard_queries_1"] = count_queries(solo_client, dashboard_url, cache.clear)
    queries["dashboard_queries_100"] = count_queries(planner_client, dashboard_url, cache.clear)
    publish_ms, publish_queries = bench_publishing(args, release_publish)
    board, board_queries = bench_board(args, staff, small, large)
    briefing = bench_briefing(args)
    queries.update(publish_queries)
    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # After the peak is read: the B2B solver's 30 s on a generated session (bench/matchmaking.py).
    from bench.matchmaking import bench_matchmaking

    matchmaking = bench_matchmaking()
    # Also after it: a 5,000-row programme imported, the probe's zip bomb refused (bench/imports.py).
    from bench.imports import bench_imports

    imports = bench_imports(staff, rows=args.import_rows)

    result = {
        "meetings": args.meetings,
        "legs": args.legs,
        "events": len(events),
        "feed_bytes": len(client.get(feed_url).content),
        "feed_ms": round(feed_ms, 2),
        "member_feed_ms": round(member_feed_ms, 2),
        "floor_ms": round(floor_ms, 2),
        "feed_vs_floor": round(feed_ms / floor_ms, 3),
        "warm_feed_ms": round(warm_feed_ms, 2),
        "warm_feed_vs_floor": round(warm_feed_ms / floor_ms, 3),
        "cached_feed_ms": round(cached_feed_ms, 3),
        "not_modified_ms": round(not_modified_ms, 3),
        "minimal_view_ms": round(minimal_view_ms, 3),
        "not_modified_vs_minimal_view": round(not_modified_ms / minimal_view_ms, 3),
        "schedule_ms": round(schedule_ms, 2),
        "delegate_page_ms": round(delegate_page_ms, 2),
        "delegate_page_cold_ms": round(delegate_page_cold_ms, 2),
        "dashboard_missions": len(agency),
        "dashboard_ms": round(dashboard_ms, 2),
        "dashboard_cold_ms": round(dashboard_cold_ms, 2),
        "dashboard_archive_ms": round(archive_ms, 2),
        "publish_ms": round(publish_ms, 2),
        **{key: round(value, 2) for key, value in board.items()},
        **briefing,
        **queries,
        **board_queries,
        "peak_rss_mb": round(peak_rss_mb, 1),
        "database": os.environ["DATABASE_URL"].split(":", 1)[0],
        **matchmaking,
        **imports,
    }
    rows = [
        (
            "Delegation feed, cold cache",
            f"{feed_ms:.1f} ms",
            f"{feed_ms / floor_ms:.2f}× floor (target ≤ 1.5)",
        ),
        ("Personal feed, cold cache", f"{member_feed_ms:.1f} ms", ""),
        ("icalendar floor, plain objects", f"{floor_ms:.1f} ms", f"{len(events)} events"),
        (
            "Feed after one item changed",
            f"{warm_feed_ms:.1f} ms",
            f"{warm_feed_ms / floor_ms:.3f}× floor (target ≤ 0.25)",
        ),
        ("Feed from the cache (no ETag sent)", f"{cached_feed_ms:.2f} ms", ""),
        (
            "304 Not Modified",
            f"{not_modified_ms:.3f} ms",
            f"{not_modified_ms / minimal_view_ms:.2f}× minimal view (≤ 2.0)",
        ),
        ("Minimal Django view", f"{minimal_view_ms:.3f} ms", ""),
        ("Schedule page", f"{schedule_ms:.1f} ms", "target < 300 ms"),
        ("Delegate page (cached by its stamp)", f"{delegate_page_ms:.1f} ms", ""),
        ("Delegate page, cold cache", f"{delegate_page_cold_ms:.1f} ms", ""),
        (
            "Queries feed / personal / schedule / page at 10",
            " / ".join(str(queries[k]) for k in queries if k.endswith("_10") and not k.startswith("publish")),
            "",
        ),
        (
            "... at 1000",
            " / ".join(
                str(queries[k]) for k in queries if k.endswith("_1000") and not k.startswith("publish")
            ),
            "must equal the above",
        ),
        (
            f"Dashboard, {len(agency)} missions of {args.mission_items} items",
            f"{dashboard_ms:.1f} ms",
            "target < 100 ms",
        ),
        ("... every conflict count computed afresh", f"{dashboard_cold_ms:.1f} ms", ""),
        ("Dashboard archive, page 2", f"{archive_ms:.1f} ms", ""),
        (
            "Dashboard queries (cold), 1 / all missions",
            f"{queries['dashboard_queries_1']} / {queries['dashboard_queries_100']}",
            "must be equal",
        ),
        (
            f"Publish: {args.meetings} meetings, {args.members} members, {PUBLISH_CHANGES} changed",
            f"{publish_ms:.1f} ms",
            "target < 1,000 ms",
        ),
        (
            "Publish queries at 10 / 1000 meetings",
            f"{queries['publish_queries_10']} / {queries['publish_queries_1000']}",
            "must be equal",
        ),
        (
            "Briefing book of a delegate (demo), cold cache",
            f"{briefing['briefing_delegate_ms']:.0f} ms",
            f"target < 3,000 ms; {briefing['briefing_delegate_rss_mb']:.0f} MB peak",
        ),
        (
            "... the first request of a fresh process",
            f"{briefing['briefing_delegate_first_ms']:.0f} ms",
            "fonts loaded on the way",
        ),
        ("... from the cache", f"{briefing['briefing_cached_ms']:.3f} ms", "target < 5 ms"),
        (
            "... its floor: WeasyPrint alone, same HTML",
            f"{briefing['briefing_floor_ms']:.0f} ms",
            f"book / floor {briefing['briefing_vs_floor']:.2f} (target < 1.2)",
        ),
        (
            f"Staff briefing book, {args.meetings} meetings",
            f"{briefing['briefing_staff_1000_ms']:.0f} ms",
            f"target < 60,000 ms; {briefing['briefing_staff_rss_mb']:.0f} MB peak (target < 1,024)",
        ),
        (
            f"Planning board data, {args.meetings} meetings",
            f"{board['board_data_ms']:.1f} ms",
            "target < 100 ms (cached by the working copy's stamp)",
        ),
        ("... built afresh (first request after a change)", f"{board['board_data_cold_ms']:.1f} ms", ""),
        (
            "Planning board data queries at 10 / 1000 meetings",
            f"{board_queries['board_queries_10']} / {board_queries['board_queries_1000']}",
            "must be equal",
        ),
        (
            "Planning board: one move, with its conflicts",
            f"{board['board_move_ms']:.1f} ms",
            "target < 50 ms",
        ),
        ("Peak RSS", f"{peak_rss_mb:.0f} MB", ""),
        (
            f"Programme import preview, {imports['import_rows']} rows",
            f"{imports['import_5000_ms']:.0f} ms",
            f"{imports['import_5000_peak_mb']:.0f} MB allocated at most",
        ),
        ("... Import (saved)", f"{imports['import_5000_save_ms']:.0f} ms", ""),
        (
            f"Zip bomb ({imports['import_bomb_bytes'] // 1024} KB, 990,000 rows) refused",
            f"{imports['import_bomb_ms']:.0f} ms",
            f"target < 1,000 ms; {imports['import_bomb_peak_mb']:.1f} MB allocated at most",
        ),
    ]
    width = max(len(row[0]) for row in rows)
    print(f"Mission Planner benchmark: {args.meetings} meetings, {args.legs} legs, {args.members} members")
    for label, value, note in rows:
        print(f"  {label:<{width}}  {value:>14}  {note}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
