"""The only way Markdown becomes HTML in NAJMA: rendered, then sanitised with an allowlist.

Scripts, event handlers, styles and ``javascript:`` links never survive; links get
``rel="noopener noreferrer nofollow"``.
"""
import threading

import markdown as _markdown
import nh3
from markupsafe import Markup

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt", "em",
    "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "li", "ol", "p", "pre", "s",
    "span", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "img": {"src", "alt", "title"},
    "td": {"align"},
    "th": {"align"},
}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}
EXTENSIONS = ["extra", "sane_lists", "nl2br"]
_local = threading.local()


def _converter() -> _markdown.Markdown:
    """This thread's Markdown converter: building one loads every extension (about half a
    millisecond), too much for pages that render dozens of texts; ``reset()`` clears its state."""
    converter = getattr(_local, "converter", None)
    if converter is None:
        converter = _local.converter = _markdown.Markdown(extensions=EXTENSIONS, output_format="html")
    return converter.reset()


def render(text: str | None) -> Markup:
    """Render Markdown ``text`` to sanitised HTML, safe to insert in a page."""
    if not text:
        return Markup("")
    html = _converter().convert(text)
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )
    return Markup(clean)  # nh3 output is sanitised HTML
