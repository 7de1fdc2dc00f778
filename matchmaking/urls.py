"""B2B matchmaking pages, under /delegations/<slug>/b2b/ (names without a namespace, as the project's)."""

from django.urls import path

from matchmaking import import_views, output_views
from matchmaking import views as v

urlpatterns = [
    path("", v.SessionListView.as_view(), name="b2b-session-list"),
    path("sessions/new/", v.SessionCreateView.as_view(), name="b2b-session-create"),
    path("sessions/<int:session_pk>/", v.SessionDetailView.as_view(), name="b2b-session"),
    path("sessions/<int:session_pk>/edit/", v.SessionUpdateView.as_view(), name="b2b-session-edit"),
    path("sessions/<int:session_pk>/delete/", v.SessionDeleteView.as_view(), name="b2b-session-delete"),
    path("sessions/<int:session_pk>/solve/", v.SolveView.as_view(), name="b2b-solve"),
    path("sessions/<int:session_pk>/solve/status/", v.SolveStatusView.as_view(), name="b2b-solve-status"),
    path(
        "sessions/<int:session_pk>/participants/",
        v.ParticipantListView.as_view(),
        name="b2b-participant-list",
    ),
    path(
        "sessions/<int:session_pk>/participants/new/",
        v.ParticipantCreateView.as_view(),
        name="b2b-participant-create",
    ),
    path(
        "sessions/<int:session_pk>/participants/<int:pk>/edit/",
        v.ParticipantUpdateView.as_view(),
        name="b2b-participant-edit",
    ),
    path(
        "sessions/<int:session_pk>/participants/<int:pk>/delete/",
        v.ParticipantDeleteView.as_view(),
        name="b2b-participant-delete",
    ),
    path("sessions/<int:session_pk>/requests/new/", v.RequestCreateView.as_view(), name="b2b-request-create"),
    path(
        "sessions/<int:session_pk>/requests/<int:pk>/edit/",
        v.RequestUpdateView.as_view(),
        name="b2b-request-edit",
    ),
    path(
        "sessions/<int:session_pk>/requests/<int:pk>/delete/",
        v.RequestDeleteView.as_view(),
        name="b2b-request-delete",
    ),
    path("sessions/<int:session_pk>/grid/edit/", v.GridEditView.as_view(), name="b2b-grid-edit"),
    path("sessions/<int:session_pk>/grid/edit.json", v.GridJsonView.as_view(), name="b2b-grid-json"),
    path("sessions/<int:session_pk>/grid/add/", v.PlacementAddView.as_view(), name="b2b-placement-add"),
    path("sessions/<int:session_pk>/meetings/", v.OutcomeListView.as_view(), name="b2b-outcomes"),
    path(
        "sessions/<int:session_pk>/meetings/<int:pk>/", v.PlacementDetailView.as_view(), name="b2b-placement"
    ),
    path("sessions/<int:session_pk>/table-plan/", output_views.table_plan_page, name="b2b-table-plan"),
    path("sessions/<int:session_pk>/table-plan.pdf", output_views.table_plan_pdf, name="b2b-table-plan-pdf"),
    path(
        "sessions/<int:session_pk>/table-plan/preview/",
        output_views.table_plan_preview,
        name="b2b-table-plan-preview",
    ),
    path(
        "sessions/<int:session_pk>/table-plan/preview.pdf",
        output_views.table_plan_preview_pdf,
        name="b2b-table-plan-preview-pdf",
    ),
    path(
        "sessions/<int:session_pk>/buyers/<int:pk>/agenda/",
        output_views.buyer_agenda_page,
        name="b2b-buyer-agenda",
    ),
    path(
        "sessions/<int:session_pk>/buyers/<int:pk>/agenda.pdf",
        output_views.buyer_agenda_pdf,
        name="b2b-buyer-agenda-pdf",
    ),
    path(
        "sessions/<int:session_pk>/buyers/<int:pk>/agenda/preview/",
        output_views.buyer_agenda_preview,
        name="b2b-buyer-agenda-preview",
    ),
    path(
        "sessions/<int:session_pk>/buyers/<int:pk>/agenda/preview.pdf",
        output_views.buyer_agenda_preview_pdf,
        name="b2b-buyer-agenda-preview-pdf",
    ),
    path("sessions/<int:session_pk>/import/", import_views.ImportView.as_view(), name="b2b-import"),
    path(
        "sessions/<int:session_pk>/import/confirm/",
        import_views.ImportConfirmView.as_view(),
        name="b2b-import-confirm",
    ),
    path(
        "sessions/<int:session_pk>/import/template/<slug:kind>/",
        import_views.TemplateView.as_view(),
        name="b2b-import-template",
    ),
    path(
        "sessions/<int:session_pk>/export/<slug:kind>.<slug:fmt>",
        import_views.ExportView.as_view(),
        name="b2b-export",
    ),
]
