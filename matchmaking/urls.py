"""B2B matchmaking pages, under /delegations/<slug>/b2b/ (names without a namespace, as the project's)."""

from django.urls import path

from matchmaking import output_views

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
]
