"""The phase pages: a territory's gate, move form and history; the manual ticks; the admins' gate
items; the programme's phase; the replication kit; the chantier tools. Permissions (403 for
those who are not steering), 404s, form errors that keep what was typed, and query counts that
do not grow with the history."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
import sqlalchemy as sa
from tests.conftest import count_queries, make_user, province
from tests.research.conftest import chantier
from tests.rollout.conftest import someone_else_first, staffed

from najma.extensions import db
from najma.governance import services as governance
from najma.rollout import services, tools
from najma.rollout.models import ChantierTool, GateCheck, GateItem, PhaseTransition, ToolAdoption
from najma.territories.models import Territory


def phase_of(territory) -> str:
    return db.session.execute(sa.select(Territory.phase).where(Territory.id == territory.id)).scalar_one()


def manual_item() -> GateItem:
    return db.session.execute(sa.select(GateItem).where(GateItem.to_phase == "extension",
                                                        GateItem.kind == "manual")).scalar_one()


@pytest.fixture
def launch(gates_seeded):
    """A staffed territory in launch: its gate to experimentation passes."""
    return staffed("Ouaouizeght", phase="launch")


# --- the territory's phase page ----------------------------------------------------------------

def test_the_phase_page_shows_the_gate_with_details_and_evidence(client, login, launch):
    login("steering")
    page = client.get(f"/territories/{launch.slug}/phase")
    assert page.status_code == 200
    assert 'data-phase="launch"' in page.text
    assert "Gate to the Experimentation phase" in page.text and 'data-passed="1"' in page.text
    assert "2 staff seats filled" in page.text
    assert 'data-testid="evidence-link"' in page.text and 'href="/bodies/' in page.text
    assert 'data-testid="move-form"' in page.text
    assert "Override the gate" not in page.text


def test_a_failing_gate_shows_the_override_field_to_steering(client, login, gates_seeded):
    territory = staffed(phase="launch", antenna_staff=1)
    login("steering")
    page = client.get(f"/territories/{territory.slug}/phase")
    assert "1 of 2 staff seats filled" in page.text
    assert 'name="override_justification"' in page.text and "Override the gate" in page.text


def test_evaluators_read_the_page_without_the_forms(client, login, launch):
    login("evaluator")
    page = client.get(f"/territories/{launch.slug}/phase")
    assert page.status_code == 200
    assert 'data-testid="move-form"' not in page.text and 'data-testid="adopt-form"' not in page.text


@pytest.mark.parametrize("role", ["antenna_staff", "delegate", "viewer", None])
def test_the_phase_page_is_for_steering_readers_only(client, login, launch, role):
    login(role, on=launch)
    assert client.get(f"/territories/{launch.slug}/phase").status_code == 403


def test_unknown_territories_and_items_are_404(client, login, launch):
    login("steering")
    assert client.get("/territories/nowhere/phase").status_code == 404
    assert client.post("/territories/nowhere/phase", data={"decision": "x"}).status_code == 404
    assert client.post(f"/territories/{launch.slug}/phase/checks/999999", data={}).status_code == 404


@pytest.mark.parametrize("role", ["evaluator", "delegate", "antenna_staff"])
def test_only_steering_moves_a_territory(client, login, launch, role):
    login(role, on=launch)
    response = client.post(f"/territories/{launch.slug}/phase", data={
        "from_phase": "launch", "to_phase": "experimentation", "decision": "Décision."})
    assert response.status_code == 403
    assert phase_of(launch) == "launch"


def test_a_steering_member_moves_a_territory_whose_gate_passes(client, login, launch):
    user = login("steering")
    meeting = governance.create_meeting(None, governance.get_steering_body(), {
        "title": "Comité de pilotage d'avril", "starts_at": datetime(2026, 4, 6, 9, tzinfo=timezone.utc)})
    response = client.post(f"/territories/{launch.slug}/phase", data={
        "from_phase": "launch", "to_phase": "experimentation", "decision": "L'expérimentation démarre.",
        "meeting_id": str(meeting.id)}, follow_redirects=True)
    assert response.status_code == 200
    assert "Ouaouizeght moved to the Experimentation phase." in response.text
    assert phase_of(launch) == "experimentation"
    assert "Gate to the Appropriation phase" in response.text
    history = response.text.split('data-testid="phase-history"')[1]
    assert "L&#39;expérimentation démarre." in history and "Comité de pilotage d&#39;avril" in history
    assert user.full_name in history


@pytest.mark.parametrize("role", ["delegate", "antenna_staff"])
def test_the_phase_change_notification_opens_for_those_it_is_sent_to(client, login, launch, role):
    notified = make_user(role, territory=launch)
    login("steering")
    client.post(f"/territories/{launch.slug}/phase", data={
        "from_phase": "launch", "to_phase": "experimentation", "decision": "L'expérimentation démarre."})
    from najma.notifications.models import Notification

    url = db.session.execute(sa.select(Notification.url).where(Notification.user_id == notified.id)).scalar_one()
    login(None, user=notified)
    page = client.get(url)
    assert page.status_code == 200 and "Ouaouizeght" in page.text


def test_a_refused_move_lists_the_failing_items_and_keeps_the_decision(client, login, gates_seeded):
    territory = staffed(phase="launch", committee_chair=False)
    login("steering")
    response = client.post(f"/territories/{territory.slug}/phase", data={
        "from_phase": "launch", "to_phase": "experimentation", "decision": "Ma décision tapée."})
    assert response.status_code == 409
    refused = response.text.split('data-testid="gate-refused"')[1].split("</div>")[0]
    assert 'data-failing="committee_with_chair"' in refused and 'data-failing="antenna_two_staff"' not in refused
    assert "Ma décision tapée." in response.text
    assert phase_of(territory) == "launch"
    assert db.session.execute(sa.select(PhaseTransition)).first() is None


def test_an_override_with_a_short_justification_is_a_form_error(client, login, gates_seeded):
    territory = staffed(phase="launch", committee_chair=False)
    login("steering")
    response = client.post(f"/territories/{territory.slug}/phase", data={
        "from_phase": "launch", "to_phase": "experimentation", "decision": "Décision.",
        "override_justification": "Trop court"})
    assert response.status_code == 400
    assert "at least 20 characters" in response.text and "Trop court" in response.text
    assert phase_of(territory) == "launch"


def test_an_override_is_recorded_and_shown_in_the_history(client, login, gates_seeded):
    territory = staffed(phase="launch", committee_chair=False)
    login("steering")
    justification = "Le gouverneur désigne le président la semaine prochaine."
    response = client.post(f"/territories/{territory.slug}/phase", data={
        "from_phase": "launch", "to_phase": "experimentation", "decision": "Démarrage.",
        "override_justification": justification}, follow_redirects=True)
    assert response.status_code == 200 and "overriding its gate" in response.text
    assert phase_of(territory) == "experimentation"
    note = response.text.split('data-testid="override-note"')[1].split("</div>")[0]
    assert justification in note


def test_a_missing_decision_is_a_form_error(client, login, launch):
    login("steering")
    response = client.post(f"/territories/{launch.slug}/phase", data={
        "from_phase": "launch", "to_phase": "experimentation", "decision": "  "})
    assert response.status_code == 400
    assert "Write the decision taken." in response.text
    assert phase_of(launch) == "launch"


def test_a_page_read_before_someone_else_moved_the_territory_is_a_conflict(client, login, launch):
    login("steering")
    db.session.execute(sa.update(Territory).where(Territory.id == launch.id).values(phase="experimentation"))
    db.session.commit()
    response = client.post(f"/territories/{launch.slug}/phase", data={
        "from_phase": "launch", "to_phase": "experimentation", "decision": "Ma décision."})
    assert response.status_code == 409
    assert "changed while you were deciding" in response.text and "Ma décision." in response.text
    assert db.session.execute(sa.select(PhaseTransition)).first() is None


def test_skipping_a_phase_by_hand_is_refused(client, login, launch):
    login("steering")
    response = client.post(f"/territories/{launch.slug}/phase", data={
        "from_phase": "launch", "to_phase": "appropriation", "decision": "Sauter une phase."})
    assert response.status_code == 400
    assert "Phases are not skipped" in response.text
    assert phase_of(launch) == "launch"


def test_the_last_phase_has_no_gate(client, login, gates_seeded):
    territory = staffed(phase="generalisation")
    login("steering")
    page = client.get(f"/territories/{territory.slug}/phase")
    assert 'data-testid="final-phase"' in page.text and 'data-testid="move-form"' not in page.text


def test_the_phase_page_query_count_does_not_grow_with_the_history(client, login, gates_seeded):
    territory = staffed(phase="launch", committee_chair=False)
    steering = make_user("steering")
    login("steering")
    url = f"/territories/{territory.slug}/phase"
    services.move_territory(steering, territory, "experimentation", "Première.",
                            override_justification="Une justification assez longue pour l'historique.")
    small = count_queries(lambda: client.get(url))
    for phase in ("appropriation", "extension"):
        services.move_territory(steering, db.session.get(Territory, territory.id), phase, f"Vers {phase}.",
                                override_justification="Une justification assez longue pour l'historique.")
    large = count_queries(lambda: client.get(url))
    assert large == small
    assert client.get(url).text.count("data-transition=") == 3


# --- manual ticks ------------------------------------------------------------------------------

def test_steering_ticks_and_unticks_a_manual_item(client, login, gates_seeded):
    territory = staffed(phase="appropriation")
    login("steering")
    item = manual_item()
    page = client.get(f"/territories/{territory.slug}/phase")
    assert 'data-testid="tick-form"' in page.text
    response = client.post(f"/territories/{territory.slug}/phase/checks/{item.id}",
                           data={"action": "check", "note": "Rapport du cabinet reçu."}, follow_redirects=True)
    assert response.status_code == 200 and "Item ticked." in response.text
    assert "Rapport du cabinet reçu." in response.text
    assert db.session.execute(sa.select(GateCheck.note)).scalar_one() == "Rapport du cabinet reçu."
    response = client.post(f"/territories/{territory.slug}/phase/checks/{item.id}", data={"action": "uncheck"},
                           follow_redirects=True)
    assert "Item unticked." in response.text
    assert db.session.execute(sa.select(GateCheck)).first() is None


def test_an_item_ticked_meanwhile_is_a_conflict(client, login, gates_seeded):
    territory = staffed(phase="appropriation")
    other = login("steering")
    login("steering")
    item = manual_item()
    with someone_else_first(GateCheck, territory_id=territory.id, gate_item_id=item.id, checked_by_id=other.id):
        response = client.post(f"/territories/{territory.slug}/phase/checks/{item.id}",
                               data={"action": "check", "note": "Rapport reçu."})
    assert response.status_code == 409 and "This item is already ticked." in response.text
    assert db.session.execute(sa.select(GateCheck.checked_by_id)).scalars().all() == [other.id]


def test_an_item_of_another_gate_is_not_ticked(client, login, launch):
    login("steering")
    response = client.post(f"/territories/{launch.slug}/phase/checks/{manual_item().id}", data={"action": "check"})
    assert response.status_code == 409 and "which is not the next phase of Ouaouizeght" in response.text
    assert db.session.execute(sa.select(GateCheck)).first() is None


def test_ticking_an_automatic_item_is_refused(client, login, launch):
    login("steering")
    item = db.session.execute(sa.select(GateItem).where(GateItem.code == "antenna_two_staff")).scalar_one()
    response = client.post(f"/territories/{launch.slug}/phase/checks/{item.id}", data={"action": "check"})
    assert response.status_code == 409
    assert "only manual items are ticked" in response.text


def test_a_too_long_note_is_a_form_error(client, login, gates_seeded):
    territory = staffed(phase="appropriation")
    login("steering")
    response = client.post(f"/territories/{territory.slug}/phase/checks/{manual_item().id}",
                           data={"action": "check", "note": "x" * 2001})
    assert response.status_code == 400
    assert db.session.execute(sa.select(GateCheck)).first() is None


def test_only_steering_ticks(client, login, gates_seeded):
    territory = staffed(phase="appropriation")
    login("evaluator")
    assert client.post(f"/territories/{territory.slug}/phase/checks/{manual_item().id}",
                       data={"action": "check"}).status_code == 403


# --- gate items ---------------------------------------------------------------------------------

def test_admins_edit_the_gates(client, login, gates_seeded):
    login("admin")
    page = client.get("/rollout/gates")
    assert page.status_code == 200 and 'data-item="antenna_two_staff"' in page.text
    item = db.session.execute(sa.select(GateItem).where(GateItem.code == "commission_in_place")).scalar_one()
    prefix = f"item{item.id}-"
    response = client.post("/rollout/gates", data={"op": "update", "item_id": item.id,
                                                   prefix + "label_fr": "Commission réunie", prefix + "label_ar": "",
                                                   prefix + "label_en": "Commission met"}, follow_redirects=True)
    assert "Gate item saved." in response.text
    db.session.refresh(item)
    assert (item.label_fr, item.active) == ("Commission réunie", False)  # the box was left unticked
    response = client.post("/rollout/gates", data={"op": "add", "to_phase": "experimentation", "kind": "manual",
                                                   "rule": "", "label_fr": "Local de l'antenne disponible"},
                           follow_redirects=True)
    assert "Gate item added." in response.text and "Local de l&#39;antenne disponible" in response.text
    response = client.post("/rollout/gates", data={"op": "move", "item_id": item.id, "direction": "up"},
                           follow_redirects=True)
    assert response.status_code == 200


def test_gate_form_errors_keep_the_input(client, login, gates_seeded):
    login("admin")
    response = client.post("/rollout/gates", data={"op": "add", "to_phase": "extension", "kind": "auto", "rule": "",
                                                   "label_fr": "Mon item"})
    assert response.status_code == 400
    assert "Choose the rule the automatic item checks." in response.text and 'value="Mon item"' in response.text
    item = db.session.execute(sa.select(GateItem).where(GateItem.code == "antenna_two_staff")).scalar_one()
    response = client.post("/rollout/gates", data={"op": "update", "item_id": item.id, f"item{item.id}-label_fr": "",
                                                   f"item{item.id}-label_en": "Typed"})
    assert response.status_code == 400 and 'value="Typed"' in response.text
    assert client.post("/rollout/gates", data={"op": "update", "item_id": 999999, "label_fr": "x"}).status_code == 404


@pytest.mark.parametrize("role", ["steering", "evaluator"])
def test_only_admins_open_the_gates(client, login, gates_seeded, role):
    login(role)
    assert client.get("/rollout/gates").status_code == 403


# --- programme ---------------------------------------------------------------------------------

def test_the_programme_page_and_its_move(client, login, gates_seeded):
    staffed(phase="experimentation")
    login("steering")
    page = client.get("/rollout/programme")
    assert page.status_code == 200 and 'data-testid="programme-phase" data-phase="launch"' in page.text
    assert 'data-testid="count-experimentation">2<' in page.text  # with the login fixture's Azilal
    assert 'data-testid="count-launch">0<' in page.text
    response = client.post("/rollout/programme", data={"from_phase": "launch", "to_phase": "experimentation",
                                                       "decision": "Les pilotes démarrent."}, follow_redirects=True)
    assert "The programme moved to the Experimentation phase." in response.text
    assert services.programme_phase() == "experimentation"
    assert "Les pilotes démarrent." in response.text.split('data-testid="programme-history"')[1]


def test_a_programme_moved_at_the_same_moment_is_a_conflict_that_keeps_the_decision(client, login, gates_seeded):
    login("steering")
    with someone_else_first(PhaseTransition, territory_id=None, from_phase="launch", to_phase="experimentation",
                            decided_on=date(2026, 3, 2), decision="Décision de l'autre membre."):
        response = client.post("/rollout/programme", data={"from_phase": "launch", "to_phase": "experimentation",
                                                           "decision": "Ma décision motivée."})
    assert response.status_code == 409 and "changed meanwhile" in response.text
    assert 'data-testid="programme-phase" data-phase="experimentation"' in response.text
    assert "Ma décision motivée." in response.text
    assert db.session.execute(sa.select(PhaseTransition.decision)).scalars().all() == ["Décision de l'autre membre."]


def test_the_programme_form_errors_and_permissions(client, login, gates_seeded):
    login("evaluator")
    assert client.get("/rollout/programme").status_code == 200
    assert client.post("/rollout/programme", data={"from_phase": "launch", "to_phase": "experimentation",
                                                   "decision": "x"}).status_code == 403
    login("steering")
    response = client.post("/rollout/programme", data={"from_phase": "launch", "to_phase": "experimentation",
                                                       "decision": ""})
    assert response.status_code == 400 and services.programme_phase() == "launch"
    login("antenna_staff")
    assert client.get("/rollout/programme").status_code == 403


# --- replication ------------------------------------------------------------------------------

def test_the_replication_kit_creates_a_territory(client, login, gates_seeded):
    pilot = staffed("Azilal", phase="experimentation")
    login("steering")
    page = client.get(f"/rollout/replicate?pilot={pilot.id}")
    assert page.status_code == 200 and 'data-testid="indicator-set-note"' in page.text
    response = client.post("/rollout/replicate", data={
        "pilot_id": pilot.id, "name": "Bzou", "slug": "", "province_id": province("05.081").id, "setting": "rural",
        "cohort": "Appropriation", "start_date": "2026-09-01"}, follow_redirects=True)
    assert response.status_code == 200
    assert "Bzou created in the launch phase from the template of Azilal" in response.text
    new = db.session.execute(sa.select(Territory).where(Territory.name == "Bzou")).scalar_one()
    assert new.phase == "launch" and new.slug == "bzou"


def test_replication_form_errors_keep_the_input(client, login, gates_seeded):
    pilot = staffed("Azilal", phase="experimentation")
    login("steering")
    response = client.post("/rollout/replicate", data={"pilot_id": pilot.id, "name": "Bzou", "province_id": "",
                                                       "setting": "rural", "start_date": ""})
    assert response.status_code == 400
    assert "Choose a province." in response.text and 'value="Bzou"' in response.text
    assert db.session.execute(sa.select(Territory).where(Territory.name == "Bzou")).first() is None


@pytest.mark.parametrize("role", ["evaluator", None, "delegate"])
def test_only_steering_replicates(client, login, gates_seeded, role):
    login(role)
    assert client.get("/rollout/replicate").status_code == 403


# --- chantier tools ------------------------------------------------------------------------------

def test_steering_adds_edits_and_territories_adopt_tools(client, login, gates_seeded):
    territory = staffed("Azilal", phase="experimentation")
    login("steering")
    response = client.post("/rollout/tools", data={"op": "add", "chantier_id": chantier(1).id,
                                                   "title": "Fiche d'écoute", "description": "Une fiche.",
                                                   "origin_territory_id": territory.id}, follow_redirects=True)
    assert "Tool added." in response.text and "Fiche d&#39;écoute" in response.text
    tool = db.session.execute(sa.select(ChantierTool)).scalar_one()
    assert client.get(f"/rollout/tools?edit={tool.id}").status_code == 200
    client.post("/rollout/tools", data={"op": "edit", "tool_id": tool.id, "chantier_id": chantier(1).id,
                                        "title": "Fiche commune d'écoute", "origin_territory_id": territory.id})
    db.session.refresh(tool)
    assert tool.title == "Fiche commune d'écoute"
    response = client.post("/rollout/tools", data={"op": "adopt", "territory_id": territory.id, "tool_id": tool.id},
                           follow_redirects=True)
    assert "now uses" in response.text
    tools_section = response.text.split('data-testid="adopted-tools"')[1].split("</section>")[0]
    assert "Fiche commune d&#39;écoute" in tools_section
    client.post("/rollout/tools", data={"op": "unadopt", "territory_id": territory.id, "tool_id": tool.id})
    assert db.session.execute(sa.select(ToolAdoption)).first() is None


def test_a_chantier_lead_manages_only_the_tools_of_their_chantier(client, login, gates_seeded):
    login("chantier_lead", chantier=chantier(2))
    page = client.get("/rollout/tools")
    assert page.status_code == 200 and 'data-testid="tool-form"' in page.text
    assert client.post("/rollout/tools", data={"op": "add", "chantier_id": chantier(1).id,
                                               "title": "Pas mon chantier"}).status_code == 403
    response = client.post("/rollout/tools", data={"op": "add", "chantier_id": chantier(2).id,
                                                   "title": "Mon outil"}, follow_redirects=True)
    assert "Tool added." in response.text
    other = tools.create_tool(None, tools.ToolData(chantier_id=chantier(3).id, title="Autre"))
    assert client.get(f"/rollout/tools?edit={other.id}").status_code == 403


def test_tool_form_errors_and_permissions(client, login, gates_seeded):
    login("steering")
    response = client.post("/rollout/tools", data={"op": "add", "chantier_id": chantier(1).id, "title": ""})
    assert response.status_code == 400
    assert db.session.execute(sa.select(ChantierTool)).first() is None
    login("antenna_staff")
    assert client.get("/rollout/tools").status_code == 403
    login("evaluator")
    page = client.get("/rollout/tools")
    assert page.status_code == 200 and 'data-testid="tool-form"' not in page.text
    territory = staffed(phase="experimentation")
    tool = tools.create_tool(None, tools.ToolData(chantier_id=chantier(1).id, title="Outil"))
    assert client.post("/rollout/tools", data={"op": "adopt", "territory_id": territory.id,
                                               "tool_id": tool.id}).status_code == 403


def test_a_tool_adopted_twice_or_meanwhile_is_a_conflict(client, login, gates_seeded):
    territory = staffed("Azilal", phase="experimentation")
    tool = tools.create_tool(None, tools.ToolData(chantier_id=chantier(1).id, title="Fiche d'écoute"))
    login("steering")
    with someone_else_first(ToolAdoption, territory_id=territory.id, tool_id=tool.id, adopted_on=date(2026, 3, 2)):
        response = client.post("/rollout/tools", data={"op": "adopt", "territory_id": territory.id,
                                                       "tool_id": tool.id})
    assert response.status_code == 409 and "Azilal already uses this tool." in response.text
    response = client.post("/rollout/tools", data={"op": "adopt", "territory_id": territory.id, "tool_id": tool.id})
    assert response.status_code == 409 and "Azilal already uses this tool." in response.text
    assert db.session.execute(sa.select(ToolAdoption.adopted_on)).scalars().all() == [date(2026, 3, 2)]


# --- the demo ------------------------------------------------------------------------------------

def test_the_demo_chefchaouen_gate_passes_and_the_pilots_have_a_history(app, db, client, runner, tmp_path,
                                                                       monkeypatch):
    from najma.auth.services import find_user_by_email
    from najma.rollout.demo import load_demo_rollout

    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    assert runner.invoke(args=["najma", "demo"]).exit_code == 0  # the demo loads the rollout too
    assert db.session.execute(sa.select(sa.func.count()).select_from(GateItem)).scalar_one() == 10
    assert db.session.execute(sa.select(sa.func.count()).select_from(PhaseTransition)
                              .where(PhaseTransition.territory_id.is_not(None))).scalar_one() == 4
    assert load_demo_rollout() == {"gate_items": 0, "transitions": 0, "tools": 0}  # idempotent
    el_haouz = db.session.execute(
        sa.select(PhaseTransition).join(Territory, Territory.id == PhaseTransition.territory_id)
        .where(Territory.slug == "el-haouz")).scalar_one()
    assert el_haouz.overridden and "recrutement" in el_haouz.justification
    assert services.programme_phase() == "experimentation"
    assert db.session.execute(sa.select(sa.func.count()).select_from(ChantierTool)
                              .where(ChantierTool.is_demo.is_(True))).scalar_one() == 5
    steering = find_user_by_email("pilotage@demo.najma.ma")
    steering.locale = "en"
    db.session.commit()
    with client.session_transaction() as session:
        session["_user_id"], session["_fresh"] = str(steering.id), True
    page = client.get("/territories/chefchaouen/phase")
    assert 'data-testid="gate-status" data-passed="1"' in page.text
    response = client.post("/territories/chefchaouen/phase", data={
        "from_phase": "experimentation", "to_phase": "appropriation", "decision": "Chefchaouen passe (démo)."},
        follow_redirects=True)
    assert "moved to the Appropriation phase" in response.text
    assert db.session.execute(sa.select(Territory.phase).where(Territory.slug == "chefchaouen")).scalar_one() == \
        "appropriation"


def test_the_forms_carry_working_csrf_tokens(app, client, login, gates_seeded, monkeypatch):
    import re

    territory = staffed(phase="appropriation")
    login("admin")
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    page = client.get(f"/territories/{territory.slug}/phase").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post(f"/territories/{territory.slug}/phase/checks/{manual_item().id}",
                           data={"csrf_token": token, "action": "check", "note": "Reçu."})
    assert response.status_code == 302
    item = db.session.execute(sa.select(GateItem).where(GateItem.code == "antenna_two_staff")).scalar_one()
    page = client.get("/rollout/gates").text
    prefixed = re.search(rf'name="item{item.id}-csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post("/rollout/gates", data={"op": "update", "item_id": item.id,
                                                   f"item{item.id}-csrf_token": prefixed,
                                                   f"item{item.id}-label_fr": "Antenne complète",
                                                   f"item{item.id}-active": "y"})
    assert response.status_code == 302
    assert client.post("/rollout/gates", data={"op": "move", "item_id": item.id, "direction": "down"}).status_code \
        == 400  # no token
