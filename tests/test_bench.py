"""`make bench` must keep working: run it on a tiny mission and read its last line."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KEYS = {
    "feed_ms",
    "floor_ms",
    "feed_vs_floor",
    "not_modified_ms",
    "minimal_view_ms",
    "not_modified_vs_minimal_view",
    "warm_feed_ms",
    "warm_feed_vs_floor",
    "schedule_ms",
    "delegate_page_ms",
    "feed_queries_10",
    "feed_queries_1000",
    "schedule_queries_10",
    "schedule_queries_1000",
    "dashboard_ms",
    "dashboard_queries_1",
    "dashboard_queries_100",
    "peak_rss_mb",
    "publish_ms",
    "publish_queries_10",
    "publish_queries_1000",
    "board_data_ms",
    "board_queries_10",
    "board_queries_1000",
    "board_move_ms",
    "briefing_delegate_ms",
    "briefing_staff_1000_ms",
    "briefing_peak_rss_mb",
    "briefing_cached_ms",
    "briefing_floor_ms",
    "briefing_vs_floor",
    "import_5000_ms",
    "import_5000_peak_mb",
    "import_bomb_ms",
    "import_bomb_peak_mb",
}


def test_benchmark_runs_on_a_tiny_mission_and_ends_with_its_json_line():
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    result = subprocess.run(
        [
            sys.executable,
            "bench/feeds.py",
            "--meetings",
            "12",
            "--legs",
            "3",
            "--members",
            "6",
            "--repeat",
            "1",
            "--fast-repeat",
            "3",
            "--missions",
            "6",
            "--mission-items",
            "12",
            "--import-rows",
            "20",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    assert set(figures) >= KEYS
    assert figures["events"] >= 15  # 12 meetings, and at least the 3 legs asked for
    assert figures["feed_ms"] > 0 and figures["floor_ms"] > 0
    assert figures["feed_queries_10"] == figures["feed_queries_1000"]
    assert figures["dashboard_missions"] == 6 and figures["dashboard_ms"] > 0
    assert figures["dashboard_queries_1"] == figures["dashboard_queries_100"]
    assert figures["publish_ms"] > 0 and figures["publish_queries_10"] == figures["publish_queries_1000"]
    assert figures["board_data_ms"] > 0 and figures["board_queries_10"] == figures["board_queries_1000"]
    assert figures["board_move_ms"] > 0
    assert figures["briefing_delegate_ms"] > 0 and figures["briefing_staff_1000_ms"] > 0
    assert 0 < figures["briefing_cached_ms"] < figures["briefing_delegate_ms"]
    assert figures["briefing_peak_rss_mb"] > 0
    assert figures["import_rows"] == 20 and figures["import_5000_ms"] > 0
    assert (
        figures["import_bomb_refusal"] == "The file has more than 5,000 rows; import at most 5,000 at a time."
    )
    assert "Delegation feed, cold cache" in result.stdout
