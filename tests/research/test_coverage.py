"""The coverage matrix: counts by target group, kind of note and code, and the gaps in words."""
import pytest

from najma.research import coding, services
from tests.conftest import make_user
from tests.research.conftest import add_note, target_group


@pytest.fixture
def staff(territory):
    return make_user("antenna_staff", territory=territory)


@pytest.fixture
def crafted(db, territory, staff):
    """Women: an interview, a focus group and a survey, needs and aspirations coded.
    Elderly people: an interview only (shared), with a need. Children: a draft observation.
    The other three groups: nothing. A deleted focus group with the elderly does not count."""
    women = ("women_in_difficulty",)
    body = "Elles demandent une crèche. Elles voudraient apprendre la couture. Le foyer féminin existe."
    interview = add_note(territory, staff, kind="interview", groups=women, body=body, visibility="shared")
    add_note(territory, staff, kind="focus_group", groups=women + ("girls_out_of_school",), visibility="shared")
    add_note(territory, staff, kind="survey", groups=women, visibility="published")
    coding.code_passage(staff, interview, "demandent une crèche", "need", target_group().id)
    coding.code_passage(staff, interview, "apprendre la couture", "aspiration", target_group().id)
    coding.code_passage(staff, interview, "Le foyer féminin existe", "resource", target_group().id)
    elderly = add_note(territory, staff, kind="interview", groups=("elderly_in_difficulty",),
                       body="Il manque un transport vers le dispensaire.", visibility="shared")
    coding.code_passage(staff, elderly, "transport vers le dispensaire", "need",
                        target_group("elderly_in_difficulty").id)
    add_note(territory, staff, kind="observation", groups=("children_precarious",))  # a draft
    binned = add_note(territory, staff, kind="focus_group", groups=("elderly_in_difficulty",), visibility="shared")
    services.delete_note(staff, binned)
    add_note(territory, staff, kind="inventory", groups=(), visibility="shared")


def row(matrix, code):
    return next(r for r in matrix.rows if r.target_group.code == code)


def test_cells_count_readable_notes_and_passages(crafted, territory, staff):
    matrix = coding.coverage(staff, territory)
    assert [r.target_group.code for r in matrix.rows][0] == "women_in_difficulty" and len(matrix.rows) == 6
    women = row(matrix, "women_in_difficulty")
    assert women.kinds == {"observation": 0, "interview": 1, "focus_group": 1, "survey": 1, "inventory": 0,
                           "diagnostic": 0, "analysis": 0}
    assert women.codes == {"need": 1, "aspiration": 1, "resource": 1, "obstacle": 0, "proposal": 0}
    assert women.gap_cells == {"observation", "obstacle", "proposal"}
    assert row(matrix, "girls_out_of_school").kinds["focus_group"] == 1
    assert row(matrix, "elderly_in_difficulty").kinds["focus_group"] == 0  # the deleted one is not counted
    assert row(matrix, "children_precarious").kinds["observation"] == 1
    assert matrix.kind_totals["inventory"] == 1 and matrix.kind_totals["focus_group"] == 1


def test_gaps_in_words_most_important_first(crafted, territory, staff):
    gaps = [gap.message for gap in coding.coverage(staff, territory).gaps]
    elderly = target_group("elderly_in_difficulty").name  # French outside a request
    elderly = elderly[0].lower() + elderly[1:]
    assert f"No focus group with {elderly} yet." in gaps
    assert f"No aspiration of {elderly} coded yet." in gaps
    assert not any(message.startswith("No need of " + elderly) for message in gaps)
    # A group nobody wrote about comes first; interviews, focus groups, surveys, needs and
    # aspirations before observations and the other codes; territory-wide notes last.
    assert gaps[0].startswith("Nothing about")
    assert gaps.index(f"No focus group with {elderly} yet.") < gaps.index(f"No field observation about {elderly} yet.")
    assert gaps.index(f"No focus group with {elderly} yet.") < next(
        i for i, message in enumerate(gaps) if message.startswith("No obstacle met by"))
    assert gaps[-2:] == ["No diagnostic yet.", "No analysis yet."]
    assert not any("resource inventory" in message for message in gaps)


def test_the_commission_sees_the_coverage_of_what_it_reads(crafted, territory):
    member = make_user("commission_member", territory=territory)
    matrix = coding.coverage(member, territory)
    assert row(matrix, "children_precarious").empty  # its only note is a draft
    assert row(matrix, "women_in_difficulty").codes["need"] == 1
    committee = make_user("committee_member", territory=territory)
    matrix = coding.coverage(committee, territory)
    assert row(matrix, "women_in_difficulty").kinds == {**dict.fromkeys(row(matrix, "women_in_difficulty").kinds, 0),
                                                        "survey": 1}
    assert row(matrix, "women_in_difficulty").codes["need"] == 0  # coded on a shared note


def test_an_empty_territory_has_one_gap_per_group_and_the_territory_wide_ones(db, territory, staff):
    gaps = coding.coverage(staff, territory).gaps
    assert len(gaps) == 6 + 3
    assert all(gap.message.startswith("Nothing about") for gap in gaps[:6])
