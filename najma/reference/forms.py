"""Reference data forms."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField


class ChantierForm(FlaskForm):
    """A chantier's description."""

    description = TextAreaField(_l("Description (Markdown)"), render_kw={"rows": 8})
