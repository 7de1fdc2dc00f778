from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from briefing import views as briefing_views
from delegations import views as delegation_views
from itinerary import programme_views
from itinerary import views as itinerary_views
from matchmaking import member_views as b2b_members
from matchmaking import output_views as b2b_outputs
from missionplanner import private_links, views
from publishing import delegate_views as public_views
from publishing import views as publishing_views

handler500 = "missionplanner.views.server_error"

admin.site.site_header = "Mission Planner administration"
admin.site.site_title = "Mission Planner"
admin.site.index_title = "Delegations, members and itineraries"

d = delegation_views
i = itinerary_views

delegation_patterns = [
    path("", d.DelegationOverviewView.as_view(), name="delegation-overview"),
    path("edit/", d.DelegationUpdateView.as_view(), name="delegation-edit"),
    path("delete/", d.DelegationDeleteView.as_view(), name="delegation-delete"),
    path("schedule/", i.ScheduleView.as_view(), name="schedule"),
    path("members/new/", d.MemberCreateView.as_view(), name="member-create"),
    path("members/<int:pk>/", d.MemberDetailView.as_view(), name="member-detail"),
    path("members/<int:pk>/edit/", d.MemberUpdateView.as_view(), name="member-edit"),
    path("members/<int:pk>/delete/", d.MemberDeleteView.as_view(), name="member-delete"),
    path("members/<int:pk>/rotate-token/", d.MemberRotateTokenView.as_view(), name="member-rotate-token"),
    path("rotate-token/", d.DelegationRotateTokenView.as_view(), name="delegation-rotate-token"),
    path("stays/new/", i.StayCreateView.as_view(), name="stay-create"),
    path("stays/<int:pk>/edit/", i.StayUpdateView.as_view(), name="stay-edit"),
    path("stays/<int:pk>/delete/", i.StayDeleteView.as_view(), name="stay-delete"),
    path("meetings/new/", i.MeetingCreateView.as_view(), name="meeting-create"),
    path("meetings/<int:pk>/edit/", i.MeetingUpdateView.as_view(), name="meeting-edit"),
    path("meetings/<int:pk>/cancel/", i.MeetingCancelView.as_view(), name="meeting-cancel"),
    path("meetings/<int:pk>/delete/", i.MeetingDeleteView.as_view(), name="meeting-delete"),
    path("legs/new/", i.TravelLegCreateView.as_view(), name="leg-create"),
    path("legs/<int:pk>/edit/", i.TravelLegUpdateView.as_view(), name="leg-edit"),
    path("legs/<int:pk>/cancel/", i.TravelLegCancelView.as_view(), name="leg-cancel"),
    path("legs/<int:pk>/delete/", i.TravelLegDeleteView.as_view(), name="leg-delete"),
    path("board/", i.BoardView.as_view(), name="board"),
    path("board/data/", i.BoardDataView.as_view(), name="board-data"),
    path("board/move/", i.BoardMoveView.as_view(), name="board-move"),
    path("board/meetings/new/", i.BoardMeetingCreateView.as_view(), name="board-meeting-create"),
    path("deleted/", i.DeletedItemsView.as_view(), name="deleted-items"),
    path("programme/", programme_views.ProgrammeView.as_view(), name="programme"),
    path("programme/import/", programme_views.ProgrammeConfirmView.as_view(), name="programme-import"),
    path("programme/export/", programme_views.ProgrammeExportView.as_view(), name="programme-export"),
    path("programme/template/", programme_views.ProgrammeTemplateView.as_view(), name="programme-template"),
    path("deleted/<str:kind>/<int:history_id>/restore/", i.ItemRestoreView.as_view(), name="item-restore"),
    path("publish/", publishing_views.PublishView.as_view(), name="publish"),
    path("releases/", publishing_views.ReleaseListView.as_view(), name="release-list"),
    path("notices/", publishing_views.NoticeListView.as_view(), name="notice-list"),
    path("notices/<int:pk>/resend/", publishing_views.NoticeResendView.as_view(), name="notice-resend"),
    path("briefing.pdf", briefing_views.staff_book, name="briefing"),
    path("briefing/", briefing_views.staff_book_print, name="briefing-print"),
    path("b2b/", include("matchmaking.urls")),
]

urlpatterns = [
    # Feeds first: calendar clients poll them more than people open every other page together.
    path("feeds/member/<str:token>.ics", public_views.member_calendar, name="member-calendar"),
    path("feeds/delegation/<str:token>.ics", public_views.delegation_calendar, name="delegation-calendar"),
    path("", d.DashboardView.as_view(), name="dashboard"),
    path("healthz", views.healthz, name="healthz"),
    path("robots.txt", private_links.robots_txt, name="robots-txt"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("delegations/new/", d.DelegationCreateView.as_view(), name="delegation-create"),
    path("delegations/<slug:slug>/", include(delegation_patterns)),
    path("organisations/", d.OrganisationListView.as_view(), name="organisation-list"),
    path("organisations/new/", d.OrganisationCreateView.as_view(), name="organisation-create"),
    path("organisations/<int:pk>/edit/", d.OrganisationUpdateView.as_view(), name="organisation-edit"),
    path("organisations/<int:pk>/delete/", d.OrganisationDeleteView.as_view(), name="organisation-delete"),
    path("notices/", publishing_views.AllNoticesView.as_view(), name="notices"),
    path("cities/", i.CityListView.as_view(), name="city-list"),
    path("cities/new/", i.CityCreateView.as_view(), name="city-create"),
    path("cities/<int:pk>/edit/", i.CityUpdateView.as_view(), name="city-edit"),
    path("cities/<int:pk>/delete/", i.CityDeleteView.as_view(), name="city-delete"),
    path("my/<str:token>/", public_views.delegate_page, name="delegate-page"),
    path("my/<str:token>/b2b/", b2b_members.member_outcomes, name="delegate-b2b"),
    path("b2b/<str:token>/", b2b_outputs.buyer_page, name="buyer-page"),
    path("b2b/<str:token>.ics", b2b_outputs.buyer_calendar, name="buyer-calendar"),
    path("my/<str:token>/briefing.pdf", briefing_views.delegate_book, name="delegate-briefing"),
    path(
        "my/<str:token>/briefing/",
        briefing_views.delegate_book,
        {"as_pdf": False},
        name="delegate-briefing-print",
    ),
    path("admin/", admin.site.urls),
]
