from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from delegations.models import Delegation, Member
from delegations.tokens import TOKEN_LENGTH
from tests.factories import DelegationFactory, MemberFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


def test_delegation_ending_before_it_starts_is_rejected_by_validation():
    delegation = DelegationFactory.build(start_date=date(2016, 11, 5), end_date=date(2016, 10, 21))
    with pytest.raises(ValidationError, match="cannot end before it starts"):
        delegation.full_clean()


def test_delegation_ending_before_it_starts_is_rejected_by_the_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        DelegationFactory(start_date=date(2016, 11, 5), end_date=date(2016, 10, 21))


def test_delegation_one_day_long_is_valid():
    DelegationFactory.build(start_date=date(2016, 11, 5), end_date=date(2016, 11, 5)).full_clean()


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "asia/shanghai", "UTC+8", ""])
def test_delegation_with_unknown_home_timezone_is_rejected(zone):
    delegation = DelegationFactory.build(home_timezone=zone)
    with pytest.raises(ValidationError) as excinfo:
        delegation.full_clean()
    assert "home_timezone" in excinfo.value.message_dict


def test_delegation_slugs_are_unique():
    DelegationFactory(slug="ca-china-2016")
    with pytest.raises(ValidationError, match="already uses this slug"):
        DelegationFactory.build(slug="ca-china-2016").full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        DelegationFactory(slug="ca-china-2016")


def test_delegation_dates_cannot_shrink_past_its_stays():
    from tests.factories import StayFactory

    stay = StayFactory(arrival_date=date(2016, 10, 24), departure_date=date(2016, 10, 28))
    delegation = stay.delegation
    delegation.end_date = date(2016, 10, 26)
    with pytest.raises(ValidationError, match="leave stays outside the mission"):
        delegation.full_clean()


def test_member_email_is_unique_within_a_delegation_ignoring_case():
    first = MemberFactory(email="avdis@gobiz.ca.gov")
    duplicate = MemberFactory.build(delegation=first.delegation, email="Avdis@GoBiz.ca.gov")
    with pytest.raises(ValidationError, match="already has this e-mail address"):
        duplicate.full_clean()


def test_member_email_uniqueness_is_enforced_by_the_database():
    first = MemberFactory(email="avdis@gobiz.ca.gov")
    with pytest.raises(IntegrityError), transaction.atomic():
        Member.objects.create(
            delegation=first.delegation, full_name="Someone else", email="avdis@gobiz.ca.gov"
        )


def test_member_email_may_repeat_across_delegations_and_blank_emails_may_repeat():
    first = MemberFactory(email="avdis@gobiz.ca.gov")
    MemberFactory(email="avdis@gobiz.ca.gov").full_clean()
    MemberFactory(delegation=first.delegation, email="")
    other_blank = MemberFactory.build(delegation=first.delegation, email="")
    other_blank.full_clean()
    other_blank.save()
    assert first.delegation.members.filter(email="").count() == 2


def test_member_email_is_stored_lower_case():
    member = MemberFactory(email="  Chang@MCSC.example ")
    member.refresh_from_db()
    assert member.email == "chang@mcsc.example"


def test_member_without_name_is_rejected():
    with pytest.raises(ValidationError) as excinfo:
        MemberFactory.build(full_name="").full_clean()
    assert "full_name" in excinfo.value.message_dict


def test_feed_tokens_are_created_automatically_with_256_bits():
    member = MemberFactory()
    delegation = member.delegation
    for token in (member.feed_token, delegation.feed_token):
        assert len(token) == TOKEN_LENGTH
        # 43 url-safe base64 characters carry 6 bits each: 258 bits, of which 256 are random.
        assert len(token) * 6 >= 256
    assert member.feed_token != delegation.feed_token


def test_feed_tokens_differ_between_members():
    tokens = {MemberFactory().feed_token for _ in range(50)}
    assert len(tokens) == 50


def test_feed_tokens_are_unique_in_the_database():
    first = MemberFactory()
    second = MemberFactory()
    second.feed_token = first.feed_token
    with pytest.raises(IntegrityError), transaction.atomic():
        second.save()


def test_organisation_names_are_unique_per_country_ignoring_case():
    OrganisationFactory(name="LeEco", country="China")
    with pytest.raises(ValidationError, match="already exists in this country"):
        OrganisationFactory.build(name="leeco", country="China").full_clean()
    OrganisationFactory.build(name="LeEco", country="United States").full_clean()


def test_organisation_employing_a_member_cannot_be_deleted():
    organisation = OrganisationFactory()
    MemberFactory(organisation=organisation)
    with pytest.raises(ProtectedError):
        organisation.delete()


def test_organisation_organising_a_delegation_cannot_be_deleted():
    organisation = OrganisationFactory()
    DelegationFactory(organiser=organisation)
    with pytest.raises(ProtectedError):
        organisation.delete()


def test_deleting_a_delegation_deletes_its_members():
    member = MemberFactory()
    member.delegation.delete()
    assert not Member.objects.filter(pk=member.pk).exists()
    assert not Delegation.objects.exists()


def test_tokens_are_looked_up_by_their_digest_which_follows_every_change():
    from delegations.tokens import rotate_member_tokens, token_digest

    member = MemberFactory()
    member.refresh_from_db()
    assert member.feed_token_digest == token_digest(member.feed_token) != member.feed_token
    rotate_member_tokens(members=Member.objects.filter(pk=member.pk))
    member.refresh_from_db()
    assert member.feed_token_digest == token_digest(member.feed_token)
    [bulk] = Member.objects.bulk_create([Member(delegation=member.delegation, full_name="Bulk")])
    assert Member.objects.get(pk=bulk.pk).feed_token_digest == token_digest(bulk.feed_token)


def test_feed_stamp_queries_never_carry_the_token_itself(django_assert_num_queries, client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    member = MemberFactory()
    with CaptureQueriesContext(connection) as captured:
        client.get(f"/feeds/member/{member.feed_token}.ics")
    assert captured.captured_queries
    assert not any(member.feed_token in query["sql"] for query in captured.captured_queries)


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (date(2026, 5, 12), date(2026, 5, 18), "12–18 May 2026"),
        (date(2016, 10, 28), date(2016, 11, 3), "28 Oct – 3 Nov 2016"),
        (date(2026, 12, 28), date(2027, 1, 3), "28 Dec 2026 – 3 Jan 2027"),
        (date(2026, 5, 12), date(2026, 5, 12), "12 May 2026"),
    ],
)
def test_dates_label_reads_as_people_write_it(start, end, expected):
    assert DelegationFactory.build(start_date=start, end_date=end).dates_label == expected
