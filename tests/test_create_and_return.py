"""A city or organisation created from where it is needed: prefilled, then back to that place."""

import pytest
from django.urls import reverse

from delegations.models import Organisation
from itinerary.models import City
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(username="planner", is_staff=True))
    return client


def test_new_city_form_is_prefilled_from_the_name_typed_in_the_picker(staff_client):
    response = staff_client.get(reverse("city-create"), {"name": "busan"})
    form = response.context["form"]
    assert form.initial["name"] == "Busan"
    assert form.initial["country"] == "South Korea"
    assert form.initial["timezone"] == "Asia/Seoul"
    assert 35 < form.initial["latitude"] < 36


def test_an_unknown_city_name_is_kept_as_typed(staff_client):
    response = staff_client.get(reverse("city-create"), {"name": "Atlantis Harbour"})
    assert response.context["form"].initial == {"name": "Atlantis Harbour"}


def test_a_city_created_in_a_popup_hands_itself_back_to_the_picker(staff_client):
    response = staff_client.post(
        f"{reverse('city-create')}?_popup=id_city&name=Busan",
        {"name": "Busan", "local_name": "부산", "country": "South Korea", "timezone": "Asia/Seoul"},
    )
    city = City.objects.get(name="Busan")
    content = response.content.decode()
    assert response.status_code == 200
    assert f'data-value="{city.pk}"' in content
    assert 'data-field="id_city"' in content and 'data-timezone="KST, UTC+9"' in content
    assert "/static/js/popup_done.js" in content


def test_a_popup_field_that_is_not_an_id_is_ignored(staff_client):
    response = staff_client.post(
        f"{reverse('organisation-create')}?_popup=%22%3E%3Cscript%3E",
        {"name": "Busan Metropolitan City", "kind": "government", "country": "South Korea"},
    )
    assert response.status_code == 302
    assert response.url == reverse("organisation-list")


def test_after_creating_an_organisation_the_user_goes_back_where_they_were(staff_client):
    back = "/delegations/korea-2026/members/new/"
    response = staff_client.post(
        f"{reverse('organisation-create')}?next={back}",
        {"name": "KOTRA", "local_name": "대한무역투자진흥공사", "kind": "agency", "country": "South Korea"},
        follow=False,
    )
    assert response.status_code == 302 and response.url == back
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages == ["Organisation “KOTRA (대한무역투자진흥공사)” added."]
    assert Organisation.objects.filter(name="KOTRA").exists()


def test_a_next_address_on_another_site_is_not_followed(staff_client):
    response = staff_client.post(
        f"{reverse('city-create')}?next=https://evil.example/",
        {"name": "Incheon", "country": "South Korea", "timezone": "Asia/Seoul"},
    )
    assert response.status_code == 302 and response.url == reverse("city-list")


def test_the_pickers_offer_to_add_cities_and_organisations(client):
    from tests.factories import DelegationFactory

    user = UserFactory()
    delegation = DelegationFactory()
    delegation.staff.add(user)
    client.force_login(user)
    content = client.get(reverse("meeting-create", args=[delegation.slug])).content.decode()
    assert content.count(f'data-create-url="{reverse("city-create")}"') == 1
    assert content.count(f'data-create-url="{reverse("organisation-create")}"') == 1
