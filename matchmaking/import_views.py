"""Staff pages for a B2B session's participants and requests as spreadsheets: templates, exports,
upload → preview → confirm. They work as the programme's pages do (itinerary/programme_views.py):
the upload is kept on the server, its name travels signed from the preview to the confirmation, and
its tables are read and planned again there, against the database as it is then.
"""

from django.contrib import messages
from django.core import signing
from django.db import IntegrityError, transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.views import View
from django.views.generic import FormView

from delegations.scoping import DelegationScopedMixin
from itinerary.programme import FORMATS, UnreadableFile
from itinerary.programme_views import SIGNED_FOR, ProgrammeUploadForm, _download, _fmt
from matchmaking.imports import (
    BOTH,
    KINDS,
    Table,
    apply_import,
    changed_since,
    export_file,
    plan_import,
    read_tables,
    template_file,
    versions_of,
)
from matchmaking.models import Session
from missionplanner import uploads
from missionplanner.database import OwnTransactionsMixin, saved_since_read


class SessionMixin:
    """`self.session` from the URL, among the sessions of `self.delegation` (so: after
    DelegationScopedMixin in the bases, which has found the delegation or answered 404)."""

    def dispatch(self, request, *args, **kwargs):
        self.session = get_object_or_404(
            Session.objects.select_related("city"), pk=kwargs["session_pk"], delegation=self.delegation
        )
        return super().dispatch(request, *args, **kwargs)


class B2BUploadForm(ProgrammeUploadForm):
    """The programme's upload field and checks (size, format, an empty file), read as B2B tables."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = "Participants, requests, or a workbook with a sheet of each."

    def read(self, content: bytes, filename: str) -> list[Table]:
        return read_tables(content=content, filename=filename)


def _salt(session) -> str:
    return f"b2b-import:{session.pk}"


def _preview(request, session, plan, upload: str, filename: str, changed=()):
    """The preview; its Import button names the kept upload and when each row's object was last saved."""
    payload = {
        "upload": upload,
        "filename": filename,
        "versions": versions_of(plan),
    }
    saving = [row for row in plan.rows if row.is_new or row.changes]
    context = {
        "sections": [(kind, rows) for kind in KINDS if (rows := [row for row in saving if row.type == kind])],
        "delegation": session.delegation,
        "session": session,
        "form": B2BUploadForm(),  # the upload has been read: an empty field for the next one
        "plan": plan,
        "payload": signing.dumps(payload, salt=_salt(session), compress=True),
        "filename": filename,
        "changed": changed,
        "kinds": KINDS,
    }
    return TemplateResponse(request, ImportView.template_name, context)


class ImportView(OwnTransactionsMixin, DelegationScopedMixin, SessionMixin, FormView):
    """GET: downloads and the upload form; POST: the preview of what importing the file does (it
    writes nothing, so reading the file holds no lock)."""

    template_name = "matchmaking/import.html"
    form_class = B2BUploadForm

    def get_context_data(self, **kwargs):
        return super().get_context_data(session=self.session, kinds=KINDS, **kwargs)

    def form_valid(self, form):
        tables = form.cleaned_data["file"]
        plan = plan_import(session=self.session, tables=tables)
        upload = "" if plan.errors else uploads.keep(form.content)  # only a file that can be imported
        return _preview(self.request, self.session, plan, upload, self.request.FILES["file"].name)


class ImportConfirmView(OwnTransactionsMixin, DelegationScopedMixin, SessionMixin, View):
    """POST only: import the previewed tables, all or nothing. The plan is made before the write
    transaction; inside it, a row saved by someone else meanwhile sends the user back to the preview."""

    def post(self, request, *args, **kwargs):
        session = self.session
        try:
            payload = signing.loads(request.POST.get("payload", ""), salt=_salt(session), max_age=SIGNED_FOR)
            content = uploads.kept(payload["upload"])
            if content is None:  # imported already, or kept for too long
                raise signing.BadSignature
            tables = read_tables(content=content, filename=payload["filename"])
        except (signing.BadSignature, KeyError, TypeError, UnreadableFile):
            messages.error(
                request, "That preview has expired or is not from this session: upload the file again."
            )
            return redirect("b2b-import", self.delegation.slug, session.pk)
        upload, filename = payload["upload"], payload["filename"]
        plan = plan_import(session=session, tables=tables)
        changed = changed_since(plan, payload["versions"])
        if plan.errors or changed:  # the session changed since the preview: show what the file does now
            return _preview(request, session, plan, upload, filename, changed)
        try:
            with transaction.atomic():
                stale = saved_since_read(row.item for row in plan.rows if row.changes)
                if not stale:
                    apply_import(plan=plan)
        except IntegrityError:  # someone added the same participant or request a moment ago
            messages.error(request, "Someone changed this session while importing: nothing was imported.")
            return _preview(request, session, plan_import(session=session, tables=tables), upload, filename)
        if stale:  # planned again, outside the transaction: the preview says what changed
            return self.post(request, *args, **kwargs)
        uploads.forget(upload)
        messages.success(
            request,
            f"Imported: {len(plan.new)} new, {len(plan.updated)} changed, {len(plan.unchanged)} unchanged.",
        )
        return redirect("b2b-import", self.delegation.slug, session.pk)


def _kind(kind: str, fmt: str) -> str:
    if kind not in (*KINDS, BOTH) or fmt not in FORMATS or (kind == BOTH and fmt != "xlsx"):
        raise Http404("No such file: participants or requests as .csv or .xlsx, or all as .xlsx.")
    return kind


class ExportView(DelegationScopedMixin, SessionMixin, View):
    def get(self, request, *args, kind, fmt, **kwargs):
        content = export_file(session=self.session, kind=_kind(kind, fmt), fmt=fmt)
        return _download(content, fmt=fmt, name=f"{self.delegation.slug}-b2b-{self.session.pk}-{kind}")


class TemplateView(DelegationScopedMixin, SessionMixin, View):
    def get(self, request, *args, kind, **kwargs):
        fmt = _fmt(request)
        content = template_file(session=self.session, kind=_kind(kind, fmt), fmt=fmt)
        return _download(content, fmt=fmt, name=f"b2b-{kind}-template")
