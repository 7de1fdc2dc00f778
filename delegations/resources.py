"""CSV import and export of members (django-import-export).

Rows are matched on delegation slug + full name, so importing the same file twice updates instead
of duplicating. Every row is validated with the model's full_clean(); a file with any bad row shows
the row-level errors in the preview and imports nothing.
"""

from django.utils.encoding import force_str
from django.utils.html import format_html
from import_export import fields, resources, widgets

from delegations.models import Delegation, Member, Organisation


class WholeValueDiff(resources.Diff):
    """The import preview's cells: a changed value shown whole, the old one struck out, then the new.

    The package's diff works letter by letter, so "Chief Executive Officer" becoming "CEO" reads
    "CEOhief Executive Officer" once its inline colours are gone (our Content-Security-Policy drops
    them); a letter diff of 김다니엘 against "Kim Daniel" means nothing either. A new member's
    values are shown plain: the row says "New", and a cell is marked only where something changes.
    The <del> and <ins> carry no style attribute: css/admin.css styles them.
    """

    def as_html(self):
        cells = []
        for left, right in zip(self.left, self.right, strict=True):
            old, new = force_str(left), force_str(right)
            if self.new or old == new:
                cells.append(format_html("{}", new))
            elif not old:
                cells.append(format_html("<ins>{}</ins>", new))
            elif not new:
                cells.append(format_html("<del>{}</del>", old))
            else:
                cells.append(format_html("<del>{}</del> → <ins>{}</ins>", old, new))
        return cells


class ReadableForeignKeyWidget(widgets.ForeignKeyWidget):
    """A ForeignKeyWidget whose "not found" error names the value, not Django's DoesNotExist."""

    def clean(self, value, row=None, **kwargs):
        try:
            return super().clean(value, row, **kwargs)
        except self.model.DoesNotExist:
            raise ValueError(f"No {self.model._meta.verbose_name} called {value!r}.") from None
        except self.model.MultipleObjectsReturned:
            raise ValueError(f"More than one {self.model._meta.verbose_name} is called {value!r}.") from None


class RoleWidget(widgets.Widget):
    """Accepts a role by its value ("executive") or its label ("Head of delegation")."""

    def clean(self, value, row=None, **kwargs):
        text = (value or "").strip()
        if not text:
            return Member.Role.EXECUTIVE
        for choice_value, label in Member.Role.choices:
            if text.lower() in (choice_value, label.lower()):
                return choice_value
        allowed = ", ".join(label for _, label in Member.Role.choices)
        raise ValueError(f"Unknown role {text!r}; use one of: {allowed}.")

    def render(self, value, obj=None, **kwargs):
        return Member.Role(value).label if value else ""


class MemberResource(resources.ModelResource):
    delegation = fields.Field(
        attribute="delegation",
        column_name="delegation",
        widget=ReadableForeignKeyWidget(Delegation, field="slug"),
    )
    organisation = fields.Field(
        attribute="organisation",
        column_name="organisation",
        widget=ReadableForeignKeyWidget(Organisation, field="name"),
    )
    role = fields.Field(attribute="role", column_name="role", widget=RoleWidget())
    # An empty XLSX cell arrives as None; the package gives CharFields a CharWidget that reads it
    # as "", but a TextField only the plain Widget, which would store NULL.
    notes = fields.Field(attribute="notes", column_name="notes", widget=widgets.CharWidget())
    is_active = fields.Field(attribute="is_active", column_name="is_active", widget=widgets.BooleanWidget())

    class Meta:
        model = Member
        # feed_token is deliberately absent: a token in an exported spreadsheet is a leaked key.
        fields = (
            "delegation",
            "full_name",
            "local_name",
            "title",
            "organisation",
            "role",
            "email",
            "phone",
            "notes",
            "is_active",
        )
        export_order = fields
        import_id_fields = ("delegation", "full_name")
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True

    def get_diff_class(self):
        return WholeValueDiff

    def get_instance(self, instance_loader, row):
        try:
            return super().get_instance(instance_loader, row)
        except ValueError:
            # An unknown delegation slug: treat the row as new, so the error is reported as that
            # row's field error next to any others, instead of hiding every other row's errors.
            return None

    def before_import_row(self, row, **kwargs):
        if row.get("is_active") in (None, ""):
            row["is_active"] = "1"
