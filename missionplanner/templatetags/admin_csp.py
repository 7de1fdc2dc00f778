"""Third-party admin HTML made to work under the Content-Security-Policy (no style attributes)."""

from django import template
from django.utils.safestring import SafeData, mark_safe

register = template.Library()

# The only markup diff-match-patch's diff_prettyHtml writes with a style attribute; the text between
# the tags is escaped (< becomes &lt;), so these strings cannot come from the data itself.
_DIFF_TAGS = {'<ins style="background:#e6ffe6;">': "<ins>", '<del style="background:#ffe6e6;">': "<del>"}


@register.filter
def unstyled_diff(html):
    """An import preview cell without diff-match-patch's inline colours (css/admin.css has them)."""
    if not isinstance(html, SafeData):
        return html  # not library markup: leave it to autoescaping
    for styled, plain in _DIFF_TAGS.items():
        html = html.replace(styled, plain)
    return mark_safe(html)
