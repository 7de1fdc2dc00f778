import json

import pytest
from django.core.management import CommandError, call_command

from delegations.models import Delegation
from itinerary.demo_missions import load_demo_missions
from itinerary.models import Meeting
from itinerary.transfer import export_delegation

pytestmark = pytest.mark.django_db

SLUG = "california-china-trade-mission-2016"


def test_a_delegation_exported_deleted_and_imported_comes_back_the_same(tmp_path):
    load_demo_missions()
    before = export_delegation(Delegation.objects.get(slug=SLUG))
    path = tmp_path / "mission.json"
    call_command("export_delegation", SLUG, output=str(path))
    uids = set(Meeting.objects.filter(delegation__slug=SLUG).values_list("uid", flat=True))
    Delegation.objects.get(slug=SLUG).delete()
    call_command("import_delegation", str(path))
    after = export_delegation(Delegation.objects.get(slug=SLUG))
    assert after == before
    assert set(Meeting.objects.filter(delegation__slug=SLUG).values_list("uid", flat=True)) == uids
    assert len(before["meetings"]) == 13 and any(m["counterparts"] for m in before["meetings"])
    assert any(m["attendees"] for m in before["meetings"])


def test_importing_over_an_existing_slug_is_refused_and_changes_nothing(tmp_path):
    load_demo_missions()
    path = tmp_path / "mission.json"
    call_command("export_delegation", SLUG, output=str(path))
    with pytest.raises(CommandError, match="exists already"):
        call_command("import_delegation", str(path))
    assert Delegation.objects.filter(slug=SLUG).count() == 1


def test_a_broken_file_imports_nothing(tmp_path):
    load_demo_missions()
    data = export_delegation(Delegation.objects.get(slug=SLUG))
    Delegation.objects.get(slug=SLUG).delete()
    data["meetings"][-1]["ends_at"] = data["meetings"][-1]["starts_at"]  # invalid: ends when it starts
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(CommandError, match="Nothing imported"):
        call_command("import_delegation", str(path))
    assert not Delegation.objects.filter(slug=SLUG).exists()
    (tmp_path / "not.json").write_text("{nope", encoding="utf-8")
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_delegation", str(tmp_path / "not.json"))
