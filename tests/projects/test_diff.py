"""Comparing two versions: texts word by word, actions added, removed and changed (which fields),
budget totals before and after."""
from datetime import date
from decimal import Decimal

from tests.projects.conftest import action_data, make_project

from najma.projects import diff, services


def _amended(db, territory, staff):
    """Version 1 with three actions; version 2 changes the first, removes the second, adds one."""
    project = make_project(territory, staff, actions=3)
    services.open_new_version(staff, project, "Amender")
    db.session.commit()
    version = services.load_version(project)
    first, second = version.actions[0], version.actions[1]
    path = first.paths[0]
    services.update_content(staff, project, {
        "title": version.title, "context": "Le territoire compte **peu** de femmes en difficulté.",
        "general_objective": version.general_objective, "specific_objectives": version.specific_objectives},
        version.lock_version)
    services.save_action(staff, project, first.key, action_data(
        path, title="Action 1", description="Un atelier pour les jeunes filles du douar.",
        budget=(("Formatrice", "Entraide Nationale", "30000.00"),), end=date(2027, 12, 31)), None)
    services.delete_action(staff, project, second.key)
    services.save_action(staff, project, None, action_data(path, title="Action nouvelle"), None)
    return project, first.key, second.key


def test_actions_are_matched_by_key(db, territory, staff):
    project, changed_key, removed_key = _amended(db, territory, staff)
    comparison = diff.compare(services.load_version(project, 1), services.load_version(project, 2))
    states = {change.key: change.state for change in comparison.actions}
    assert states[changed_key] == "changed" and states[removed_key] == "removed"
    assert [c.title for c in comparison.actions if c.state == "added"] == ["Action nouvelle"]
    assert [c.title for c in comparison.actions if c.state == "same"] == ["Action 3"]
    assert (comparison.count("added"), comparison.count("removed"), comparison.count("changed")) == (1, 1, 1)
    changed = next(c for c in comparison.actions if c.key == changed_key)
    assert changed.fields == ["description", "budget", "dates"]
    assert [str(label) for label in changed.field_labels] == ["Description", "Budget lines", "Start and end"]
    assert "les <del>femmes</del><ins>jeunes filles</ins> du douar" in str(changed.description_html)
    assert (changed.total_before, changed.total_after) == (Decimal("32000.50"), Decimal("30000.00"))
    # Three actions of 32,000.50 before; 30,000 + 32,000.50 + 32,000.50 after.
    assert comparison.total_before == Decimal("96001.50") and comparison.total_after == Decimal("94001.00")


def test_texts_show_word_marks_only_where_they_changed(db, territory, staff):
    project, _changed, _removed = _amended(db, territory, staff)
    comparison = diff.compare(services.load_version(project, 1), services.load_version(project, 2))
    texts = {text.label: text for text in comparison.texts}
    assert texts["Context"].changed and not texts["Title"].changed and not texts["General objective"].changed
    assert "compte <del>**beaucoup**</del><ins>**peu**</ins> de femmes" in str(texts["Context"].html)


def test_a_version_compared_with_itself_is_unchanged(db, territory, staff):
    project = make_project(territory, staff, actions=2)
    version = services.load_version(project)
    comparison = diff.compare(version, version)
    assert comparison.unchanged and comparison.count("same") == 2
