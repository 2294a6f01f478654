"""Research search (the service): folding of accents and Arabic, prefixes, ranking, every
filter, who sees what, deleted notes, comments and paths, snippets, and a constant query count."""
from datetime import date

import pytest
import sqlalchemy as sa

from tests.conftest import make_territory, make_user
from tests.research.conftest import add_note, chantier, target_group

from najma.models_base import utcnow
from najma.research import indexing, services
from najma.research.models import InterventionPath, ResearchNote
from najma.research.search import SearchFilters, query_terms, search, snippet


def titles(results) -> list[str]:
    return [hit.title for hit in results.items]


@pytest.fixture
def staff(territory):
    return make_user("antenna_staff", territory=territory)


@pytest.fixture
def admin(db):
    return make_user("admin")


def add_path(territory, author, *, title="Piste : alphabétisation des femmes", rationale="Cours du soir au foyer.",
             groups=("women_in_difficulty",), chantier_position=None, deleted=False):
    """A path row indexed as the paths service does (that service is written elsewhere)."""
    from najma.extensions import db

    path = InterventionPath(territory_id=territory.id, title=title, rationale=rationale, author_id=author.id,
                            chantier_id=chantier(chantier_position).id if chantier_position else None,
                            deleted_at=utcnow() if deleted else None)
    db.session.add(path)
    db.session.flush()
    indexing.index_path(path, [target_group(code) for code in groups])
    db.session.commit()
    return path


# --- words ---------------------------------------------------------------------------------------

def test_accents_are_ignored_both_ways(territory, staff, admin):
    add_note(territory, staff, title="Entretien", body="Une élève de la classe préparatoire.")
    add_note(territory, staff, title="Observation", body="Un eleve ecrit sans accents.")

    assert sorted(titles(search(admin, "eleve"))) == ["Entretien", "Observation"]
    assert sorted(titles(search(admin, "Élève"))) == ["Entretien", "Observation"]
    assert titles(search(admin, "PRÉPARATOIRE")) == ["Entretien"]


def test_words_are_prefixes_and_all_required(territory, staff, admin):
    add_note(territory, staff, title="Souk hebdomadaire", body="Les femmes parlent de la coopérative.")
    add_note(territory, staff, title="Foyer", body="La coopérative ferme l'hiver.")

    assert sorted(titles(search(admin, "coop"))) == ["Foyer", "Souk hebdomadaire"]
    assert titles(search(admin, "coop souk")) == ["Souk hebdomadaire"]
    assert titles(search(admin, "coop absent")) == []


@pytest.mark.parametrize("query", [
    "التعليم",   # as written
    "تعليم",     # without the article
    "والتعليم",  # with a proclitic and the article
    "التَّعْلِيم",  # with short vowels
])
def test_arabic_word_found_with_or_without_article_and_vowels(territory, staff, admin, query):
    add_note(territory, staff, title="مقابلة", body="تحدثت الأمهات عن التعليم في القرية.")
    add_note(territory, staff, title="ملاحظة", body="لا علاقة لهذه الملاحظة بالموضوع.")

    assert titles(search(admin, query)) == ["مقابلة"]


@pytest.mark.parametrize("query", ["مدرسة", "المدرسة", "مدرسه", "مَدْرَسَة", "بالمدرسة"])
def test_arabic_taa_marbuta_and_article(territory, staff, admin, query):
    add_note(territory, staff, title="زيارة", body="زرنا المدرسة الابتدائية يوم السوق.")

    assert titles(search(admin, query)) == ["زيارة"]


@pytest.mark.parametrize("query", ["أسرة", "اسرة", "إسرة", "الأسرة"])
def test_arabic_hamza_forms_match(territory, staff, admin, query):
    add_note(territory, staff, title="زيارة منزلية", body="تعيش الأسرة في دوار بعيد.")

    assert titles(search(admin, query)) == ["زيارة منزلية"]


def test_article_is_not_stripped_from_short_words(territory, staff, admin):
    # "الم" (pain) is not the article before a one-letter word: it must not find every "م...".
    add_note(territory, staff, title="ملاحظة", body="مشاكل متعددة")

    assert query_terms("الم") == ["الم"]
    assert titles(search(admin, "الم")) == []


def test_empty_or_punctuation_only_query_searches_nothing(territory, staff, admin):
    add_note(territory, staff)
    for query in ("", "   ", "?!… --", "a"):
        results = search(admin, query)
        assert not results.searched and results.items == [] and results.total == 0
        assert results.message


def test_hostile_query_text_is_only_words(territory, staff, admin):
    add_note(territory, staff, title="Souk", body="La coopérative des femmes.")

    for query in ('coop"); DROP TABLE research_notes; --', "coop' OR 1=1 --", 'coop* NEAR(" ', "coop:* | !x & (",
                  "coop AND NOT femmes"):
        results = search(admin, query)
        assert results.searched
    assert titles(search(admin, 'coop" OR "x')) == []  # "x" is a word to find, not an operator
    assert titles(search(admin, "coop*")) == ["Souk"]


# --- ranking -------------------------------------------------------------------------------------

def test_title_match_ranks_above_body_match(territory, staff, admin):
    add_note(territory, staff, title="Visite du foyer", body="Nous avons parlé de la coopérative artisanale.")
    add_note(territory, staff, title="Coopérative artisanale", body="Nous avons visité le foyer.")

    assert titles(search(admin, "cooperative")) == ["Coopérative artisanale", "Visite du foyer"]


def test_more_matches_rank_higher(territory, staff, admin):
    filler = " ".join(["le", "douar", "est", "loin", "de", "la", "route"] * 6)
    add_note(territory, staff, title="Une fois", body=f"{filler} puits {filler}")
    add_note(territory, staff, title="Trois fois", body=f"{filler} puits puits puits {filler}")

    assert titles(search(admin, "puits")) == ["Trois fois", "Une fois"]


# --- filters -------------------------------------------------------------------------------------

@pytest.fixture
def filtered_corpus(territory, staff):
    """Four notes about "moussem" differing in one filter each, and one other territory."""
    other_territory = make_territory("Chefchaouen")
    other_staff = make_user("antenna_staff", territory=other_territory)
    notes = {
        "base": add_note(territory, staff, title="Moussem de base", body="moussem", kind="observation",
                         groups=("women_in_difficulty",), chantiers=(1,), on=date(2026, 3, 2)),
        "interview": add_note(territory, staff, title="Moussem entretien", body="moussem", kind="interview",
                              groups=("elderly_in_difficulty",), chantiers=(2,), on=date(2026, 5, 10)),
        "other": add_note(other_territory, other_staff, title="Moussem ailleurs", body="moussem",
                          kind="observation", groups=("boys_out_of_school",), chantiers=(3,), on=date(2025, 9, 1)),
    }
    notes["other_staff"] = other_staff
    notes["other_territory"] = other_territory
    return notes


@pytest.mark.parametrize("make_filters, expected", [
    (lambda c: SearchFilters(), {"Moussem de base", "Moussem entretien", "Moussem ailleurs"}),
    (lambda c: SearchFilters(territory_id=c["other_territory"].id), {"Moussem ailleurs"}),
    (lambda c: SearchFilters(kind="interview"), {"Moussem entretien"}),
    (lambda c: SearchFilters(target_group_id=target_group("elderly_in_difficulty").id), {"Moussem entretien"}),
    (lambda c: SearchFilters(chantier_id=chantier(3).id), {"Moussem ailleurs"}),
    (lambda c: SearchFilters(author_id=c["other_staff"].id), {"Moussem ailleurs"}),
    (lambda c: SearchFilters(date_from=date(2026, 4, 1)), {"Moussem entretien"}),
    (lambda c: SearchFilters(date_to=date(2026, 3, 2)), {"Moussem de base", "Moussem ailleurs"}),
    (lambda c: SearchFilters(date_from=date(2026, 1, 1), date_to=date(2026, 3, 31)), {"Moussem de base"}),
    (lambda c: SearchFilters(kind="observation", chantier_id=chantier(1).id), {"Moussem de base"}),
])
def test_each_filter_narrows_the_results(filtered_corpus, admin, make_filters, expected):
    results = search(admin, "moussem", make_filters(filtered_corpus))
    assert set(titles(results)) == expected
    assert results.total == len(expected)


def test_target_group_filter_matches_whole_ids(db, territory, staff, admin):
    # ",1," must not match ",11," or ",21,": the filter matches whole ids between commas.
    note = add_note(territory, staff, title="Moussem", body="moussem", groups=("women_in_difficulty",))
    group_id = target_group("women_in_difficulty").id
    db.session.execute(sa.text("UPDATE research_search_documents SET target_group_ids = :ids WHERE note_id = :n"),
                       {"ids": f",{group_id}1,{group_id + 20},", "n": note.id})
    db.session.commit()

    assert search(admin, "moussem", SearchFilters(target_group_id=group_id)).total == 0


def test_type_filter_keeps_the_counts_of_every_type(territory, staff, admin):
    note = add_note(territory, staff, title="Moussem", body="moussem", visibility="shared")
    services.add_comment(staff, note, "Le moussem attire les familles.")
    add_path(territory, staff, title="Piste moussem", rationale="Stand au moussem.")

    results = search(admin, "moussem", SearchFilters(object_type="comment"))
    assert results.counts == {"note": 1, "comment": 1, "path": 1}
    assert results.total == 1 and [hit.object_type for hit in results.items] == ["comment"]
    paths = search(admin, "moussem", SearchFilters(kind="path"))
    assert [hit.object_type for hit in paths.items] == ["path"]


# --- who sees what -------------------------------------------------------------------------------

@pytest.fixture
def by_visibility(territory, staff):
    for visibility in ("draft", "shared", "published"):
        add_note(territory, staff, title=f"Note {visibility}", body="Enquête sur la source d'eau.",
                 visibility=visibility)


@pytest.mark.parametrize("role, expected", [
    ("antenna_staff", {"draft", "shared", "published"}),
    ("commission_member", {"shared", "published"}),
    ("delegate", {"shared", "published"}),
    ("committee_member", {"published"}),
    ("steering", {"published"}),
    ("evaluator", {"published"}),
    ("admin", {"draft", "shared", "published"}),
    ("viewer", set()),
    (None, set()),
])
def test_each_role_finds_only_what_it_may_read(by_visibility, territory, role, expected):
    user = make_user(*([role] if role else []), territory=territory)
    results = search(user, "source")
    assert {title.removeprefix("Note ") for title in titles(results)} == expected
    assert results.total == len(expected)


def test_roles_on_another_territory_read_nothing_there(by_visibility, db):
    elsewhere = make_territory("Safi")
    for role in ("antenna_staff", "commission_member", "committee_member", "delegate"):
        assert search(make_user(role, territory=elsewhere), "source").total == 0


def test_comments_follow_their_note_visibility(territory, staff):
    note = add_note(territory, staff, title="Source", body="Enquête.", visibility="shared")
    services.add_comment(staff, note, "Le puits du douar est tari.")
    committee = make_user("committee_member", territory=territory)
    commission = make_user("commission_member", territory=territory)

    assert search(committee, "puits").total == 0
    assert search(commission, "puits").counts["comment"] == 1
    services.set_visibility(staff, note, "published")
    assert search(committee, "puits").counts["comment"] == 1


def test_note_visibility_wins_over_a_stale_document(db, territory, staff):
    # Should a search document ever claim more than the note allows, the note decides.
    add_note(territory, staff, title="Brouillon", body="Enquête sur la source.")
    db.session.execute(sa.text("UPDATE research_search_documents SET visibility = 'published'"))
    db.session.commit()

    assert search(make_user("committee_member", territory=territory), "source").total == 0
    assert search(make_user("steering"), "source").total == 0


def test_deleted_notes_and_their_comments_are_not_found(territory, staff, admin):
    note = add_note(territory, staff, title="Supprimée", body="Le hammam du quartier.", visibility="shared")
    services.add_comment(staff, note, "Le hammam est fermé.")
    services.delete_note(staff, note)

    assert search(admin, "hammam").total == 0
    assert search(staff, "hammam").total == 0


def test_deleted_note_hidden_even_if_its_documents_stayed(db, territory, staff, admin):
    note = add_note(territory, staff, title="Supprimée", body="Le hammam du quartier.", visibility="shared")
    comment = services.add_comment(staff, note, "Le hammam est fermé.")
    db.session.execute(sa.update(ResearchNote).where(ResearchNote.id == note.id).values(deleted_at=utcnow()))
    db.session.commit()
    assert search(admin, "hammam").total == 0

    db.session.execute(sa.update(ResearchNote).where(ResearchNote.id == note.id).values(deleted_at=None))
    db.session.execute(sa.text("UPDATE research_note_comments SET deleted_at = CURRENT_TIMESTAMP WHERE id = :c"),
                       {"c": comment.id})
    db.session.commit()
    assert [hit.object_type for hit in search(admin, "hammam").items] == ["note"]


def test_undeleted_note_is_found_again(territory, staff, admin):
    note = add_note(territory, staff, title="Revenue", body="Le hammam du quartier.")
    services.delete_note(staff, note)
    assert search(admin, "hammam").total == 0
    services.undelete_note(staff, services.load_note(note.id))
    assert titles(search(admin, "hammam")) == ["Revenue"]


# --- comments and paths ----------------------------------------------------------------------------

def test_comment_found_and_linked_to_its_place_on_the_note(app, territory, staff):
    note = add_note(territory, staff, title="Foyer féminin", body="Visite.", visibility="shared")
    member = make_user("commission_member", territory=territory)
    comment = services.add_comment(member, note, "Il faudrait un atelier de couture.")

    results = search(staff, "couture")
    [hit] = results.items
    assert (hit.object_type, hit.object_id, hit.note_id) == ("comment", comment.id, note.id)
    assert hit.title == "Foyer féminin" and hit.author_name == member.full_name
    assert "<mark>couture</mark>" in hit.snippet
    with app.test_request_context():
        assert hit.url == f"/research/notes/{note.id}#comment-{comment.id}"


def test_path_found_with_its_filters(territory, staff, admin):
    path = add_path(territory, staff, title="Alphabétisation au foyer", rationale="Cours du soir pour les mères.",
                    groups=("women_in_difficulty",), chantier_position=2)
    add_path(territory, staff, title="Ancienne piste", rationale="Cours du soir.", deleted=True)

    results = search(admin, "alphabetisation")
    [hit] = results.items
    assert (hit.object_type, hit.object_id, hit.note_id, hit.kind) == ("path", path.id, None, "path")
    assert "<mark>Alphabétisation</mark>" in hit.title_html
    assert search(admin, "cours soir").total == 1  # the deleted path is not found
    assert search(admin, "soir", SearchFilters(chantier_id=chantier(2).id)).total == 1
    assert search(admin, "soir", SearchFilters(target_group_id=target_group("elderly_in_difficulty").id)).total == 0
    assert search(make_user("commission_member", territory=territory), "soir").counts["path"] == 1


# --- results -------------------------------------------------------------------------------------

def test_results_carry_territory_author_and_date(territory, staff, admin):
    add_note(territory, staff, title="Souk", body="La coopérative.", on=date(2026, 2, 14), kind="interview")
    [hit] = search(admin, "cooperative").items
    assert (hit.territory_name, hit.territory_slug) == ("Azilal", territory.slug)
    assert (hit.author_id, hit.author_name) == (staff.id, staff.full_name)
    assert hit.on_date == date(2026, 2, 14) and hit.kind == "interview" and hit.kind_label == "Individual interview"


def test_pagination_pages_through_every_result_once(territory, staff, admin):
    for n in range(5):
        add_note(territory, staff, title=f"Puits {n}", body="Le puits.")
    seen = []
    for page in (1, 2, 3):
        results = search(admin, "puits", page=page, per_page=2)
        assert results.total == 5 and results.pages == 3
        seen += titles(results)
    assert sorted(seen) == [f"Puits {n}" for n in range(5)]
    assert search(admin, "puits", page=99, per_page=2).page == 3  # past the end: the last page


def test_order_is_stable_across_pages_beyond_the_ranked_matches(monkeypatch, territory, staff, admin):
    # PostgreSQL ranks the first PG_RANKED matches (title matches, then the newest) and lists the
    # rest in that order: every result still comes exactly once, title matches first.
    from najma.research import search as search_module

    monkeypatch.setattr(search_module, "PG_RANKED", 2)
    for n in range(5):
        add_note(territory, staff, title=f"Note {n}", body="Le puits du douar.", on=date(2026, 1, n + 1),
                 visibility="shared")
    add_note(territory, staff, title="Le puits", body="Visite.", on=date(2025, 1, 1), visibility="shared")
    note = services.load_note(services.visible_notes(admin, territory)[0][0].id)
    services.add_comment(staff, note, "Le puits encore.")
    seen = []
    for page in (1, 2, 3, 4):
        seen += [(hit.object_type, hit.object_id) for hit in search(admin, "puits", page=page, per_page=2).items]
    assert len(seen) == len(set(seen)) == 7
    assert titles(search(admin, "puits", per_page=2))[0] == "Le puits"
    notes_only = []
    for page in (1, 2, 3):
        notes_only += [hit.object_id for hit in search(admin, "puits", SearchFilters(object_type="note"),
                                                           page=page, per_page=2).items]
    assert len(notes_only) == len(set(notes_only)) == 6


@pytest.mark.parametrize("query", ["التعليم", "تعليم", "والتعليم", "cooperative femmes"])
def test_older_title_match_comes_before_newer_body_matches(monkeypatch, territory, staff, admin, query):
    # On PostgreSQL the title matches are put first before ranking (their title is checked with
    # LIKE on each word, the Arabic stem for an Arabic word, then parsed): one outside the ranked
    # matches still comes first. On SQLite bm25 weighs the title.
    from najma.research import search as search_module

    monkeypatch.setattr(search_module, "PG_RANKED", 1)
    for n in range(3):
        add_note(territory, staff, title=f"Note {n}", body="Les femmes de la coopérative. وتحدثن عن التعليم.",
                 on=date(2026, 1, n + 1))
    add_note(territory, staff, title="Coopérative des femmes : للتعليم", body="Visite.", on=date(2025, 1, 1))

    results = search(admin, query)
    assert results.total == 4 and titles(results)[0] == "Coopérative des femmes : للتعليم"


def test_query_count_does_not_grow_with_results(db, territory, staff, admin):
    statements = []

    def count(*_args):
        statements.append(1)

    def queries(query):
        statements.clear()
        sa.event.listen(db.engine, "before_cursor_execute", count)
        try:
            results = search(admin, query)
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", count)
        return results, len(statements)

    add_note(territory, staff, title="Rare", body="Le mot oasis.")
    for n in range(15):
        note = add_note(territory, make_user("antenna_staff", territory=territory), title=f"Note {n}",
                        body="Le mot douar.", visibility="shared")
        services.add_comment(staff, note, "Le douar encore.")
    search(admin, "warm")  # loads the reader's roles once, as signing in does
    few, few_queries = queries("oasis")
    many, many_queries = queries("douar")
    assert few.total == 1 and many.total == 30 and len(many.items) == 20
    assert many_queries == few_queries == 1


# --- snippets ------------------------------------------------------------------------------------

def test_snippet_escapes_html_and_marks_matches():
    text = 'Le <script>alert("x")</script> élève & sa mère'
    html = str(snippet(text, ["eleve"]))
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<mark>élève</mark>" in html and "&amp;" in html


def test_snippet_is_cut_around_the_best_match():
    words = [f"mot{n}" for n in range(200)]
    words[150] = "coopérative"
    html = str(snippet(" ".join(words), ["cooperative"]))
    assert html.startswith("… ") and html.endswith(" …")
    assert "<mark>coopérative</mark>" in html and "mot10 " not in html
    assert len(html.split()) <= 34


def test_snippet_prefers_the_passage_with_most_matches():
    words = [f"mot{n}" for n in range(300)]
    words[20] = "puits"
    for n in (200, 205, 210):
        words[n] = "source"
    html = str(snippet(" ".join(words), ["puits", "source"]))
    assert html.count("<mark>source</mark>") == 3


def test_snippet_survives_characters_that_fold_to_other_lengths():
    # "œ" folds to two letters and the tatweel to none: the mark still lands on the right word.
    text = "Le cœur du douar ـــ puis la coopérative"
    html = str(snippet(text, ["cooperative"]))
    assert "<mark>coopérative</mark>" in html
    assert "<mark>cœur</mark>" in str(snippet(text, ["coeur"]))
    assert "<mark>ســـلام</mark>" in str(snippet("قال ســـلام عليكم", ["سلام"]))


def test_snippet_from_stored_folded_text_checks_its_alignment():
    from najma.research.indexing import fold

    aligned = "Une élève à l'école"
    assert str(snippet(aligned, ["ecole"], folded=fold(aligned))) == "Une élève à l&#x27;<mark>école</mark>"
    # "œ" adds a letter and the tatweel removes one: same length, shifted in between.
    shifted = "Le cœur ـ la coopérative"
    assert len(fold(shifted)) == len(shifted)
    assert "<mark>coopérative</mark>" in str(snippet(shifted, ["cooperative"], folded=fold(shifted)))


def test_snippet_of_a_title_only_match_is_the_start_of_the_text():
    assert str(snippet("Premier mot. Suite du texte.", ["absent"])) == "Premier mot. Suite du texte."
