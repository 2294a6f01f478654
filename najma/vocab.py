"""Controlled vocabularies of the programme, with their translatable labels.

Values are stored as short English codes; labels are wrapped for Flask-Babel so the
interface speaks French first, then Arabic and English.
"""
from flask_babel import lazy_gettext as _l

SETTINGS = {
    "urban": _l("Urban"),
    "periurban": _l("Periurban"),
    "rural": _l("Rural"),
}

PHASES = {
    "launch": _l("Launch"),
    "experimentation": _l("Experimentation"),
    "appropriation": _l("Appropriation"),
    "extension": _l("Extension"),
    "generalisation": _l("Generalisation"),
}

BODY_KINDS = {
    "antenna": _l("Antenna"),
    "commission": _l("Permanent commission"),
    "committee": _l("Local institutional committee"),
    "steering": _l("National steering committee"),
}

MEMBER_ROLES = {
    "chair": _l("Chair"),
    "secretary": _l("Secretary"),
    "member": _l("Member"),
}

SECTORS = {
    "communes": _l("Communes and local authorities"),
    "non_formal_education": _l("Non-formal education"),
    "youth_sport": _l("Youth and sport"),
    "health": _l("Health"),
    "employment_training": _l("Employment and vocational training"),
    "associations": _l("Associations"),
    "businesses": _l("Businesses"),
    "artisans": _l("Artisans"),
    "entraide_nationale": _l("Entraide Nationale"),
    "other": _l("Other"),
}

#: Sectors the programme requires on every local institutional committee.
REQUIRED_COMMITTEE_SECTORS = (
    "communes",
    "non_formal_education",
    "youth_sport",
    "health",
    "employment_training",
    "associations",
)
#: Sectors the programme asks for "where possible": flagged as advice, not as a gap.
RECOMMENDED_COMMITTEE_SECTORS = ("businesses", "artisans")

ATTENDANCE = {
    "present": _l("Present"),
    "excused": _l("Excused"),
    "absent": _l("Absent"),
}

MINUTES_STATUSES = {
    "draft": _l("Draft"),
    "adopted": _l("Adopted"),
}

ROLES = {
    "admin": _l("Administrator"),
    "steering": _l("Steering committee member"),
    "chantier_lead": _l("Chantier lead"),
    "delegate": _l("Provincial delegate"),
    "committee_member": _l("Committee member"),
    "commission_member": _l("Commission member"),
    "antenna_staff": _l("Antenna staff"),
    "evaluator": _l("Evaluator"),
    "viewer": _l("Viewer"),
}

#: Roles that only make sense on one territory.
TERRITORY_ROLES = ("delegate", "committee_member", "commission_member", "antenna_staff")
#: Roles that only make sense on one chantier.
CHANTIER_ROLES = ("chantier_lead",)

#: Actions recorded in the audit log.
AUDIT_VERBS = {
    "create": _l("Created"),
    "update": _l("Updated"),
    "delete": _l("Deleted"),
    "adopt": _l("Minutes adopted"),
    "attendance": _l("Attendance recorded"),
    "login": _l("Signed in"),
    "change_password": _l("Password changed"),
    "reset_password": _l("Password reset"),
    "grant_role": _l("Role given"),
    "revoke_role": _l("Role withdrawn"),
    "deactivate": _l("Account deactivated"),
    "reactivate": _l("Account reactivated"),
    "import": _l("Imported"),
    "snapshot": _l("Snapshot taken"),
    "share": _l("Shared with the commission"),
    "publish": _l("Published"),
    "restore": _l("Restored"),
    "undelete": _l("Recovered from the bin"),
    "upload": _l("File attached"),
    "retain": _l("Retained"),
    "set_aside": _l("Set aside"),
    "reopen": _l("Reopened"),
    "transition": _l("Status changed"),
    "vote": _l("Vote cast"),
    "sign": _l("Convention signed"),
    "override": _l("Gate overridden"),
    "close": _l("Closed"),
    "validate": _l("Validated"),
    "approve": _l("Approved"),
    "correct": _l("Corrected"),
    "return": _l("Sent back to the antenna"),
}

#: Kinds of object named in the audit log.
AUDIT_OBJECTS = {
    "User": _l("Account"),
    "Territory": _l("Territory"),
    "Membership": _l("Seat"),
    "Meeting": _l("Meeting"),
    "Decision": _l("Decision"),
    "Chantier": _l("Chantier"),
    "Body": _l("Body"),
    "BoundaryImport": _l("Boundary import"),
    "Actor": _l("Actor"),
    "Tie": _l("Tie"),
    "ActorMap": _l("Actor map"),
    "ActorSnapshot": _l("Actor map snapshot"),
    "ResearchNote": _l("Research note"),
    "NoteComment": _l("Comment"),
    "NoteAttachment": _l("Attachment"),
    "CodedPassage": _l("Coded passage"),
    "ResearchPlan": _l("Research plan"),
    "InterventionPath": _l("Intervention path"),
    "TerritoryProject": _l("Territory project"),
    "ProjectVersion": _l("Project version"),
    "ProjectComment": _l("Project comment"),
    "ProjectAction": _l("Project action"),
    "ProjectVote": _l("Committee vote"),
    "Ballot": _l("Ballot"),
    "VoteRules": _l("Voting rules"),
    "Convention": _l("Convention"),
    "ActionExecution": _l("Action follow-up"),
    "PhaseTransition": _l("Phase transition"),
    "GateItem": _l("Gate item"),
    "GateCheck": _l("Gate item ticked"),
    "ChantierTool": _l("Chantier tool"),
    "SiteProblem": _l("Site problem"),
    "SelectionProfile": _l("Selection weights"),
    "ManualScore": _l("Manual score"),
    "Indicator": _l("Indicator"),
    "IndicatorValue": _l("Indicator value"),
    "EvaluationEntry": _l("Evaluation entry"),
}

#: Kinds of actor on a territory's actor map.
ACTOR_KINDS = {
    "commune": _l("Commune or local authority"),
    "service_non_formal_education": _l("Deconcentrated service: non-formal education"),
    "service_youth_sport": _l("Deconcentrated service: youth and sport"),
    "service_health": _l("Deconcentrated service: health"),
    "service_employment_training": _l("Deconcentrated service: employment and vocational training"),
    "service_other": _l("Deconcentrated service: other"),
    "en_training_centre": _l("Entraide Nationale: education and training centre"),
    "en_kindergarten": _l("Entraide Nationale: kindergarten or crèche"),
    "en_other_centre": _l("Entraide Nationale: other centre"),
    "association": _l("Association"),
    "cooperative": _l("Cooperative"),
    "business": _l("Business"),
    "artisan": _l("Artisan"),
    "international_partner": _l("International partner"),
    "other": _l("Other"),
}
#: Broad families of actor kinds, for the graph's colours and the national totals.
ACTOR_KIND_FAMILIES = {
    "local_authority": _l("Communes and local authorities"),
    "state_service": _l("Deconcentrated services"),
    "entraide_nationale": _l("Entraide Nationale institutions"),
    "civil_society": _l("Associations and cooperatives"),
    "private": _l("Businesses and artisans"),
    "international": _l("International partners"),
    "other": _l("Other"),
}
#: Kinds of tie between two actors.
TIE_KINDS = {
    "funding": _l("Funding"),
    "coordination": _l("Coordination"),
    "information": _l("Information"),
    "partnership": _l("Partnership or convention"),
    "hierarchy": _l("Hierarchy"),
    "conflict": _l("Conflict"),
}
#: An actor's stance toward the territory project.
STANCES = {
    "supportive": _l("Supportive"),
    "neutral": _l("Neutral"),
    "opposed": _l("Opposed"),
}
#: Tie strengths (1 to 3).
TIE_STRENGTHS = {
    1: _l("Weak"),
    2: _l("Regular"),
    3: _l("Strong"),
}

LANGUAGES = {"fr": "Français", "ar": "العربية", "en": "English"}
RTL_LANGUAGES = ("ar",)


def label(vocabulary: dict, code: str | None) -> str:
    """The translated label of ``code`` in ``vocabulary``, or the code itself if unknown."""
    if code is None:
        return ""
    return str(vocabulary.get(code, code))


def choices(vocabulary: dict) -> list[tuple[str, str]]:
    """WTForms choices for a vocabulary, in its declared order."""
    return [(code, text) for code, text in vocabulary.items()]

#: Kinds of research note.
NOTE_KINDS = {
    "observation": _l("Field observation"),
    "interview": _l("Individual interview"),
    "focus_group": _l("Focus group"),
    "survey": _l("Household survey"),
    "inventory": _l("Resource inventory"),
    "diagnostic": _l("Diagnostic"),
    "analysis": _l("Analysis"),
}
#: Who reads a note: the antenna only, then the permanent commission, then the committee,
#: the steering committee and evaluators. In order: a note only moves forward.
NOTE_VISIBILITIES = {
    "draft": _l("Draft (antenna only)"),
    "shared": _l("Shared with the permanent commission"),
    "published": _l("Published to the committee and the steering committee"),
}
#: Age bands and sexes in which a note counts its participants (no names are recorded).
AGE_BANDS = {
    "under_15": _l("Under 15"),
    "15_24": _l("15 to 24"),
    "25_59": _l("25 to 59"),
    "60_plus": _l("60 and over"),
}
SEXES = {
    "female": _l("Women and girls"),
    "male": _l("Men and boys"),
}
#: What a coded passage of a note says about a target group.
CODE_KINDS = {
    "need": _l("Need"),
    "aspiration": _l("Aspiration"),
    "resource": _l("Existing resource"),
    "obstacle": _l("Obstacle"),
    "proposal": _l("Proposal"),
}
#: The milestones of a territory's research plan, in order.
MILESTONES = {
    "populations": _l("Know the target populations"),
    "needs": _l("Needs and aspirations"),
    "inventory": _l("Inventory of existing responses"),
    "analysis": _l("Analysis"),
    "paths": _l("Intervention paths"),
}
PATH_PRIORITIES = {
    "high": _l("High"),
    "medium": _l("Medium"),
    "low": _l("Low"),
}
PATH_STATUSES = {
    "proposed": _l("Proposed"),
    "retained": _l("Retained"),
    "set_aside": _l("Set aside"),
}
#: The statuses of a territory project, in the order of its workflow.
PROJECT_STATUSES = {
    "draft": _l("Draft"),
    "submitted": _l("Submitted to the committee"),
    "under_review": _l("Under review"),
    "voting": _l("Vote open"),
    "approved": _l("Approved"),
    "rejected": _l("Rejected"),
    "contracted": _l("Conventions signed"),
    "in_execution": _l("In execution"),
    "evaluated": _l("Evaluated"),
}
#: The transitions of the project workflow (the rules are in najma/projects/workflow.py).
PROJECT_TRANSITIONS = {
    "submit": _l("Submit to the committee"),
    "start_review": _l("Open the review"),
    "send_back": _l("Send back for amendment"),
    "open_vote": _l("Open the vote"),
    "cancel_vote": _l("Cancel the vote"),
    "close_vote": _l("Close the vote"),
    "revise": _l("Revise the rejected project"),
    "sign_conventions": _l("Record the conventions as signed"),
    "start_execution": _l("Start execution"),
    "evaluate": _l("Record the evaluation"),
}
BALLOT_CHOICES = {
    "approve": _l("Approve"),
    "reject": _l("Reject"),
    "abstain": _l("Abstain"),
}
#: How a committee's vote is carried.
MAJORITY_RULES = {
    "votes_cast": _l("Majority of the votes cast (abstentions not counted)"),
    "voting_members": _l("Majority of all voting members"),
    "two_thirds_cast": _l("Two thirds of the votes cast"),
}
EXECUTION_STATUSES = {
    "not_started": _l("Not started"),
    "ongoing": _l("Ongoing"),
    "delayed": _l("Delayed"),
    "done": _l("Done"),
    "dropped": _l("Dropped"),
}
#: Sections of a project version that committee members comment on.
PROJECT_SECTIONS = {
    "context": _l("Context"),
    "objectives": _l("Objectives"),
    "budget": _l("Budget"),
    "schedule": _l("Schedule"),
}
#: How serious a problem raised on a site is.
PROBLEM_SEVERITIES = {
    "low": _l("Low"),
    "medium": _l("Medium"),
    "high": _l("High"),
    "blocking": _l("Blocking"),
}
#: Where a site problem stands.
PROBLEM_STATUSES = {
    "open": _l("Open"),
    "solution_proposed": _l("Solution proposed"),
    "closed": _l("Closed"),
}
#: Units of an indicator.
INDICATOR_UNITS = {
    "percent": _l("Percentage"),
    "count": _l("Number"),
    "ratio": _l("Ratio"),
    "currency": _l("Dirhams"),
    "score": _l("Score"),
}
INDICATOR_DIRECTIONS = {
    "up": _l("Higher is better"),
    "down": _l("Lower is better"),
}
INDICATOR_SOURCES = {
    "census": _l("Census (HCP)"),
    "computed": _l("Computed by the platform"),
    "manual": _l("Entered by hand"),
}
#: How territory values add up to a province and the nation.
INDICATOR_AGGREGATIONS = {
    "sum": _l("Sum"),
    "rate": _l("Rate recomputed from numerators and denominators"),
    "latest": _l("Latest value"),
    "mean": _l("Mean"),
}
INDICATOR_LEVELS = {
    "territory": _l("Territory"),
    "province": _l("Province"),
    "nation": _l("Nation"),
}
INDICATOR_DISAGGREGATIONS = {
    "sex": _l("Sex"),
    "target_group": _l("Target group"),
    "area": _l("Area (urban, rural)"),
}
AREAS = {
    "urban": _l("Urban"),
    "rural": _l("Rural"),
}
VALUE_KINDS = {
    "baseline": _l("Baseline"),
    "target": _l("Target"),
    "measure": _l("Measure"),
}
#: The approval of an indicator value, level by level.
VALUE_STATUSES = {
    "entered": _l("Entered by the antenna"),
    "validated": _l("Validated by the provincial delegate"),
    "approved": _l("Approved by the steering committee"),
}
