"""The research dossier of a territory, as a page and as a PDF."""
from __future__ import annotations

from flask import Response, render_template, request
from flask_login import current_user

from najma.research import dossier as dossier_service
from najma.research.blueprint import bp, territory_or_404


def _build(slug: str):
    territory = territory_or_404(slug)
    published_only = request.args.get("scope") == "published"
    return dossier_service.build(current_user, territory, published_only=published_only)


@bp.get("/territories/<slug>/research/dossier")
def dossier(slug: str):
    """The dossier in the site, with links to print it or download it as PDF."""
    return render_template("research/dossier.html", d=_build(slug))


@bp.get("/territories/<slug>/research/dossier.pdf")
def dossier_pdf(slug: str):
    """The dossier as a PDF document, ready to print or send."""
    from najma.pdf import html_to_pdf

    d = _build(slug)
    html = render_template("research/dossier_print.html", d=d)
    pdf = html_to_pdf(html, base_url=request.url_root)
    suffix = "-publie" if d.published_only else ""
    filename = f"dossier-recherche-{d.territory.slug}{suffix}.pdf"
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "private, no-store"})
