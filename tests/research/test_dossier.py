"""The research dossier: one document per reader, drafts only for the antenna, a published-only
version for the committee, with contents, notes by milestone, findings and retained paths; as
a page and as a PDF that holds the same text."""
import pytest
from flask import render_template

from najma import pdf
from najma.research import coding, dossier, paths
from tests.conftest import make_user
from tests.research.conftest import add_note, target_group
from tests.test_pdf import page_text


@pytest.fixture
def research(db, territory):
    author = make_user("antenna_staff", territory=territory)
    draft = add_note(territory, author, title="Brouillon secret", body="Texte brouillon")
    shared = add_note(territory, author, title="Entretien partagé", kind="interview", visibility="shared",
                      body="Les femmes veulent une crèche au douar.")
    published = add_note(territory, author, title="Inventaire publié", kind="inventory", visibility="published",
                         body="Le centre de formation a des places libres.")
    passage = coding.code_passage(author, shared, "veulent une crèche", "need", target_group().id)
    path = paths.create_path(author, territory, paths.PathData(
        title="Crèche communautaire", rationale="Garde des enfants", passage_ids=[passage.id],
        note_ids=[published.id]))
    paths.decide(author, path, "retained", "Retenue en commission")
    return {"author": author, "draft": draft, "shared": shared, "published": published}


def test_sections_follow_the_milestones_and_the_reader(app, territory, research):
    built = dossier.build(research["author"], territory)
    sections = {section.code: [n.title for n in section.notes] for section in built.sections}
    assert sections == {"populations": ["Brouillon secret", "Entretien partagé"], "inventory": ["Inventaire publié"],
                        "analysis": []}
    assert built.findings.total == 1 and [p.title for p, _ in built.retained] == ["Crèche communautaire"]
    member = make_user("commission_member", territory=territory)
    assert dossier.build(member, territory).note_count == 2  # no draft for the commission
    committee = dossier.build(research["author"], territory, published_only=True)
    assert committee.note_count == 1 and committee.findings.total == 0
    path, evidence = committee.retained[0]
    assert [entry.note.title for entry in evidence] == ["Inventaire publié"]  # the shared note's passage is left out


def test_dossier_page_and_permissions(client, login, territory, research):
    login("antenna_staff", user=research["author"])
    page = client.get(f"/territories/{territory.slug}/research/dossier")
    assert page.status_code == 200
    for text in ("Contents", "Brouillon secret", "veulent une crèche", "Crèche communautaire", "Retenue en commission"):
        assert text in page.text
    published_only = client.get(f"/territories/{territory.slug}/research/dossier?scope=published").text
    assert "Brouillon secret" not in published_only and "Entretien partagé" not in published_only
    login("committee_member")
    text = client.get(f"/territories/{territory.slug}/research/dossier").text
    assert "Inventaire publié" in text and "Entretien partagé" not in text and "Brouillon secret" not in text
    login("viewer")
    assert client.get(f"/territories/{territory.slug}/research/dossier").status_code == 403
    assert client.get(f"/territories/{territory.slug}/research/dossier.pdf").status_code == 403


def test_pdf_holds_what_the_reader_may_read(app, client, login, territory, research):
    member = login("commission_member")
    answer = client.get(f"/territories/{territory.slug}/research/dossier.pdf")
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    assert answer.data.startswith(b"%PDF") and "attachment" in answer.headers["Content-Disposition"]
    with app.test_request_context("/"):
        html = render_template("research/dossier_print.html", d=dossier.build(member, territory))
    text = page_text(pdf.render(html, "http://localhost/"))
    assert "Entretien partagé" in text and "Inventaire publié" in text and "Brouillon secret" not in text
