"""B2B matchmaking pages, under /delegations/<slug>/b2b/ (names without a namespace, as the project's)."""

from django.urls import path

from matchmaking import import_views, output_views

urlpatterns = [
    path("sessions/<int:session_pk>/table-plan/", output_views.table_plan_page, name="b2b-table-plan"),
    path("sessions/<int:session_pk>/table-plan.pdf", output_views.table_plan_pdf, name="b2b-table-plan-pdf"),
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
