"""Time research search and pages at national scale: 50,000 notes over 80 territories.

    python -m benchmarks.research [--notes 50000] [--territories 80] [--requests 30] [--warmup 3]
                                  [--seed 1] [--db PATH | --database-url URL] [--regenerate]

Territories, bodies, users and roles come from :func:`benchmarks.generate.generate` (a smaller
``Scale``). The research is then inserted in bulk (Core ``insert()`` executemany, one territory
at a time): notes in French and Arabic (about 150 to 350 words drawn from fixed vocabularies
with a fixed seed, under Markdown headings), their revisions, target groups and chantiers, a few
comments, coded passages, and five intervention paths per territory citing notes. Search
documents are built as :mod:`najma.research.indexing` builds them, with its ``plain`` and
``fold``; folding goes word by word through a cache, and a sample of documents is checked
against ``fold`` on the whole text (the run stops if one differs). The SQLite file
``benchmarks/out/research-<notes>.sqlite`` is reused while its parameters match.

Then, signed in through the test client's session, each scenario is requested ``--warmup`` times
and ``--requests`` times: search by a common word, two words, a rare word, an Arabic word and
with a territory filter, as an administrator and as a commission member; a note page and a
territory's research page as antenna staff. A stress case searches a word found in nearly every
note (every French one): measured and shown, without a target. Notes draw most of their words
from the theme of their first target group, so a word like "femmes" is in a share of the notes
(the table gives how many documents each search finds), not in all of them. The same scenarios
run on a small database (about 1,000 notes) to show that no query count grows with the data. Exit status 1 when a target is
missed: search p95 under 150 ms, pages under 100 ms (timed targets apply at 50,000 notes or more
on SQLite), or a query count that grows.
"""
from __future__ import annotations

import argparse
import gc
import json
import random
import sys
import time
from dataclasses import dataclass
from datetime import datetime, time as dtime, timedelta, timezone
from pathlib import Path

import sqlalchemy as sa

from benchmarks.generate import OUT_DIR, Scale, bench_config, database_url, generate, remove_sqlite, sidecar
from benchmarks.run import Measure, Page, growth, time_requests

#: Bumped when the generated research changes, so that older files are built again.
RESEARCH_GENERATOR_VERSION = 2
SEARCH_P95_MS = 150.0
PAGE_P95_MS = 100.0
#: Timed targets apply from this many notes (the issue's national scale).
NATIONAL_NOTES = 50_000
#: Notes holding the rare word, whatever the scale.
RARE_NOTES = 25
RARE_WORD = "zaouïa"
PATHS_PER_TERRITORY = 5


@dataclass(frozen=True)
class Scenario:
    """One measured request: who asks (admin, member or staff), and a search or a page."""

    key: str
    label: str
    user: str  # admin, member (commission member of Bench 0001) or staff (its antenna staff)
    kind: str  # search or page
    query: str = ""
    territory_filter: bool = False
    endpoint: str = "research.search"
    #: False for the stress case (a word in nearly every document): measured and shown, no target.
    timed: bool = True

    @property
    def page(self) -> Page:
        """The scenario as ``benchmarks.run`` describes a page (for its ``Measure``)."""
        return Page(self.key, self.label, self.user)


SCENARIOS = (
    Scenario("common_admin", "Search: common word (admin)", "admin", "search", "femmes"),
    Scenario("common_member", "Search: common word (commission member)", "member", "search", "femmes"),
    Scenario("two_admin", "Search: two words (admin)", "admin", "search", "femmes coopérative"),
    Scenario("two_member", "Search: two words (commission member)", "member", "search", "femmes coopérative"),
    Scenario("rare_admin", "Search: rare word (admin)", "admin", "search", RARE_WORD),
    Scenario("rare_member", "Search: rare word (commission member)", "member", "search", RARE_WORD),
    Scenario("arabic_admin", "Search: Arabic word (admin)", "admin", "search", "تعليم"),
    Scenario("arabic_member", "Search: Arabic word (commission member)", "member", "search", "تعليم"),
    Scenario("territory_admin", "Search: common word, one territory (admin)", "admin", "search", "femmes",
             territory_filter=True),
    Scenario("territory_member", "Search: common word, one territory (member)", "member", "search", "femmes",
             territory_filter=True),
    Scenario("everywhere_admin", "Stress: word in nearly every note (admin)", "admin", "search", "douar",
             timed=False),
    Scenario("everywhere_member", "Stress: word in nearly every note (member)", "member", "search", "douar",
             timed=False),
    Scenario("note_page", "Note page (antenna staff)", "staff", "page", endpoint="research.note"),
    Scenario("territory_page", "Territory research page (antenna staff)", "staff", "page",
             endpoint="research.territory_research"),
)

TIMED = {s.key: s.timed for s in SCENARIOS}

# --- vocabulary (fixed; the seed decides the draws) -----------------------------------------------

#: Content words by theme: one per target group (in their seeded order), then the words of any
#: note. A note draws most words from its first target group's theme, some from one other theme
#: and from the general list, so that a theme's words are in some notes and not in all.
_FR_THEMES = (
    "femmes mères veuves divorcées couture tissage coopérative alphabétisation revenu violence autonomie "
    "broderie tapis foyer écoute droits activité épargne tontine artisanat cuisine garde santé",
    "filles scolarisation abandon décrochage internat collège transport bourse élèves enseignante classe "
    "cartable trajet inscription réussite lecture écriture calcul cantine sécurité parents",
    "garçons jeunes rue apprentissage sport terrain football atelier mécanique menuiserie soudure oisiveté "
    "métier encadrement animateurs décrocheurs orientation loisirs maison",
    "enfants garderie crèche préscolaire naissance vaccination nutrition jeux éveil malnutrition protection "
    "maltraitance travail tutelle orphelins parrainage kafala",
    "âgées pension retraite solitude dispensaire médicaments handicap mobilité visites domicile aidants "
    "dépendance maladies chroniques lunettes prothèses",
    "diplômés emploi chômage stage microprojet financement crédit entreprise création insertion compétences "
    "certificat placement employeurs anapec",
)
_FR_GENERAL = (
    "douar commune association accès route eau hiver souk besoin service centre projet famille ménage quartier "
    "village population réunion partenaires délégation acteurs territoire situation difficultés manque distance "
    "pauvreté précarité entraide solidarité voisinage électricité logement piste puits source saison pluie "
    "sécheresse migration ville avenir confiance participation groupe témoignage"
)
_FR_GLUE = "le la les de des du un une et à en pour avec sans sur dans par que qui est sont ont a pas plus".split()
_AR_THEMES = (
    "المرأة الأمهات الأرامل الخياطة النسيج التعاونية الدخل العنف الاستقلالية الطرز الزرابي الإنصات الحقوق",
    "الفتيات التمدرس الهدر الانقطاع الداخلية الإعدادية النقل المنحة التلميذات الأستاذة القسم الطريق",
    "الفتيان الشباب الشارع التدريب الرياضة الملعب الورشة الميكانيك النجارة الحرف التأطير",
    "الأطفال الروض الحضانة الولادة التلقيح التغذية اللعب الحماية الأيتام الكفالة",
    "المسنين المعاش الوحدة المستوصف الأدوية الإعاقة الزيارات المنزل المرض",
    "الخريجين الشغل البطالة التدريب المقاولة التمويل القرض الإدماج الكفاءات الشهادة",
)
_AR_GENERAL = (
    "التعليم الدوار الجماعة الجمعية الطريق الماء الشتاء السوق الحاجة الخدمة المركز المشروع الأسرة الحي "
    "القرية الساكنة الاجتماع الشركاء المندوبية الفاعلين المجال الوضعية الصعوبات الفقر التضامن الكهرباء "
    "السكن البئر الجفاف الهجرة المدينة المستقبل الثقة المشاركة"
)
_AR_GLUE = "في من على إلى عن مع و أن هذا هذه التي الذي كان كانت لا قد".split()
_FR_HEADINGS = ("Contexte", "Observations", "Besoins exprimés", "Aspirations", "Ressources existantes",
                "Obstacles", "Propositions", "Participants", "Suites à donner")
_AR_WORDS = (
    "التعليم المرأة الأسرة الأطفال المدرسة الدوار الجمعية التعاونية الشباب الفتيات الأمهات العمل "
    "التكوين الحاجة الدخل الطريق الماء المركز الخدمة النشاط المشروع التلاميذ الأستاذ النقل الشتاء "
    "السوق الصناعة التقليدية النسيج الخياطة محو الأمية المستوصف الورشة المسنين الإعاقة التمدرس "
    "الهدر المدرسي الروض التشغيل البطالة الخريجين التمويل الشركاء المندوبية التعاون الوطني "
    "دار الشباب الرياضة الثقافة القراءة الكتابة الهشاشة الفقر الأرامل الأيتام الإنصات التوجيه "
    "المواكبة التتبع التحسيس الوقاية العنف الزواج المبكر الحالة المدنية التغطية الصحية التضامن "
    "الحي القروي الجبل البئر الكهرباء السكن الفلاحة الماعز الزيتون الأركان العسل الجفاف الهجرة "
    "المدينة الطموح المستقبل المهنة التدريب الشهادة الثقة المشاركة الاجتماع المجموعة المقابلة"
).split()
_AR_GLUE = "في من على إلى عن مع و أن هذا هذه التي الذي كان كانت لا قد".split()
_AR_HEADINGS = ("السياق", "الملاحظات", "الحاجيات", "التطلعات", "الموارد المتوفرة", "العوائق", "المقترحات")
_FR_TITLES = {
    "observation": "Observation", "interview": "Entretien", "focus_group": "Groupe de discussion",
    "survey": "Enquête ménage", "inventory": "Inventaire des ressources", "diagnostic": "Diagnostic",
    "analysis": "Analyse",
}
_AR_TITLES = {
    "observation": "ملاحظة ميدانية", "interview": "مقابلة فردية", "focus_group": "مجموعة نقاش",
    "survey": "بحث أسري", "inventory": "جرد الموارد", "diagnostic": "تشخيص", "analysis": "تحليل",
}
#: Note titles' topics, by theme (target group).
_FR_TOPICS = (("les femmes du douar", "la coopérative de tissage", "le foyer féminin"),
              ("l'abandon scolaire des filles", "le transport scolaire", "l'internat des filles"),
              ("les jeunes du quartier", "la maison de jeunes", "l'apprentissage des garçons"),
              ("la garderie du quartier", "les enfants en situation précaire", "la petite enfance"),
              ("les personnes âgées", "les visites à domicile", "l'accès aux soins des aînés"),
              ("les jeunes diplômés", "les microprojets", "l'insertion professionnelle"))
_AR_TOPICS = (("نساء الدوار", "تعاونية النسيج"), ("الهدر المدرسي للفتيات", "النقل المدرسي"),
              ("شباب الحي", "دار الشباب"), ("روض الحي", "الطفولة الصغرى"), ("الأشخاص المسنين", "الزيارات المنزلية"),
              ("الشباب الخريجين", "المشاريع الصغرى"))
_PLACES = ("Douar Aït Ouarda", "Centre social", "Souk hebdomadaire", "Maison de jeunes", "Dar Taliba",
           "Foyer féminin", "École du douar", "Dispensaire rural", "Quartier Al Amal", "Coopérative Tifaout")
_PATH_TITLES = ("Alphabétisation fonctionnelle des femmes", "Garderie communautaire au douar",
                "Accompagnement des jeunes diplômés vers l'emploi", "Transport scolaire des filles",
                "Atelier de couture et de tissage", "Visites à domicile des personnes âgées",
                "Microprojets de la coopérative", "Cellule d'écoute et d'orientation")
_PARTNERS = ("Commune, association locale", "Délégation de la santé", "Maison de jeunes, ANAPEC",
             "Coopérative féminine", "Association des parents d'élèves")


def _weights(count: int) -> list[float]:
    """Zipf-like weights: the first words of a list are the common ones."""
    return [1.0 / (rank + 1) ** 0.8 for rank in range(count)]


class Writer:
    """Draws French and Arabic texts from the vocabularies with one seeded random generator."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.lists = {}
        for arabic, themes, general in ((False, _FR_THEMES, _FR_GENERAL), (True, _AR_THEMES, _AR_GENERAL)):
            words = [theme.split() for theme in themes] + [general.split()]
            self.lists[arabic] = [(w, _weights(len(w))) for w in words]

    def sentence(self, arabic: bool, words: int, theme: int = 0, other: int = 1) -> str:
        """One sentence: 60% of its words from ``theme``, 30% general, 10% from ``other``."""
        rng = self.rng
        lists, glue = self.lists[arabic], (_AR_GLUE if arabic else _FR_GLUE)
        out = []
        for _ in range(words):
            draw = rng.random()
            vocabulary, weights = lists[theme if draw < 0.6 else (-1 if draw < 0.9 else other)]
            if rng.random() < 0.45:
                out.append(rng.choice(glue))
            out.append(rng.choices(vocabulary, weights)[0])
        text = " ".join(out)
        if not arabic:
            text = text[0].upper() + text[1:]
        return text + ("." if not arabic or rng.random() < 0.5 else "،")

    def body(self, arabic: bool, words: int, rare: bool, theme: int = 0) -> tuple[str, list[str]]:
        """A Markdown body of about ``words`` words on ``theme`` (and one other), and its sentences."""
        rng = self.rng
        themes = len(self.lists[arabic]) - 1
        other = rng.choice([t for t in range(themes) if t != theme % themes])
        headings = rng.sample(_AR_HEADINGS if arabic else _FR_HEADINGS, k=rng.randint(2, 3))
        per_section = max(20, words // len(headings))
        parts, sentences = [], []
        for heading in headings:
            parts.append(f"## {heading}")
            written = 0
            paragraph = []
            while written < per_section:
                size = rng.randint(6, 14)
                sentence = self.sentence(arabic, size, theme % themes, other)
                if rng.random() < 0.08:
                    sentence = f"- **{sentence}**"
                paragraph.append(sentence)
                sentences.append(sentence.lstrip("- ").strip("*"))
                written += int(size * 1.45)
            parts.append(" ".join(paragraph))
        if rare:
            extra = (f"La {RARE_WORD} du douar accueille des femmes le vendredi." if not arabic
                     else f"تستقبل {RARE_WORD} الدوار النساء يوم الجمعة.")
            parts.append(extra)
            sentences.append(extra)
        return "\n\n".join(parts), sentences


# --- search documents, as indexing builds them ------------------------------------------------------

class Folder:
    """``indexing.fold`` through a cache of words: folding works character by character, so the
    fold of a text is the fold of its words joined by the same spaces. Checked on a sample."""

    def __init__(self):
        from najma.research.indexing import fold, plain

        self._fold, self.plain = fold, plain
        self._cache: dict[str, str] = {}
        self.checked = 0

    def fold(self, text: str) -> str:
        """``indexing.fold(text)``, word by word through the cache."""
        cache, fold = self._cache, self._fold
        out = []
        for word in text.split(" "):
            folded = cache.get(word)
            if folded is None:
                folded = cache[word] = fold(word)
            out.append(folded)
        return " ".join(out)

    def check(self, document: dict) -> None:
        """Stop if this document differs from what ``indexing`` would have written."""
        if (self._fold(document["text"]) != document["content"]
                or self._fold(document["title"])[:200] != document["search_title"]):
            raise RuntimeError(f"Search document {document['id']} is not folded as indexing.fold folds it.")
        self.checked += 1


def _ids(ids) -> str:
    ids = sorted(ids)
    return "," + ",".join(str(i) for i in ids) + "," if ids else ""


def _document(folder: Folder, *, doc_id: int, object_type: str, object_id: int, note_id, territory_id: int,
              visibility: str, kind: str, author_id, on_date, group_ids, chantier_ids: str, title: str,
              text: str) -> dict:
    """A search document row, filled as ``indexing._fill`` and ``index_note``/``index_comment``/
    ``index_path`` fill it."""
    title = (title or "")[:200]
    plain_text = folder.plain(text)
    return {"id": doc_id, "object_type": object_type, "object_id": object_id, "note_id": note_id,
            "territory_id": territory_id, "visibility": visibility, "kind": kind, "author_id": author_id,
            "on_date": on_date, "target_group_ids": _ids(group_ids), "chantier_ids": chantier_ids,
            "title": title, "text": plain_text, "search_title": folder.fold(title)[:200],
            "content": folder.fold(plain_text)}


# --- the data --------------------------------------------------------------------------------------

def _bench_scale(territories: int) -> Scale:
    """Territories with complete bodies, their members and a few meetings (no audit noise)."""
    return Scale("research", territories=territories, users=max(200, territories * 15),
                 memberships=territories * 15, meetings=territories * 2, audit_events=0, hot_members=12,
                 hot_meetings=2, steering_members=3, steering_meetings=2, attended_meetings=2)


def build(app, notes: int, territories: int, seed: int, *, verbose: bool = True) -> dict:
    """Fill ``app``'s empty database: territories and people, then ``notes`` notes and the rest."""
    from najma.auth.models import RoleAssignment, User
    from najma.extensions import db
    from najma.models_base import utcnow
    from najma.reference.models import Chantier, TargetGroup
    from najma.research.models import (CodedPassage, InterventionPath, NoteComment, NoteRevision, PathEvidence,
                                       ResearchNote, SearchDocument, note_chantiers, note_target_groups,
                                       path_target_groups)
    from najma.territories.models import Territory
    from najma.vocab import CODE_KINDS, NOTE_KINDS, PATH_PRIORITIES

    started = time.perf_counter()
    generate(app, _bench_scale(territories), seed, verbose=False)
    people_seconds = round(time.perf_counter() - started, 2)
    rng = random.Random(seed * 7919 + notes)
    writer, folder = Writer(rng), Folder()
    now = datetime.now(timezone.utc).replace(microsecond=0)
    today = now.date()
    counts = dict.fromkeys(("notes", "revisions", "comments", "coded_passages", "paths", "documents"), 0)

    with app.app_context():
        session = db.session
        territory_rows = session.execute(sa.select(Territory.id, Territory.slug).order_by(Territory.id)).all()
        group_ids = list(session.execute(sa.select(TargetGroup.id).order_by(TargetGroup.position)).scalars())
        chantier_ids = list(session.execute(sa.select(Chantier.id).order_by(Chantier.position)).scalars())
        grants = session.execute(sa.select(RoleAssignment.user_id, RoleAssignment.role, RoleAssignment.territory_id)
                                 .join(User, User.id == RoleAssignment.user_id)
                                 .where(User.active.is_(True), RoleAssignment.territory_id.is_not(None))
                                 .order_by(RoleAssignment.id)).all()
        staff: dict[int, list[int]] = {}
        members: dict[int, list[int]] = {}
        for user_id, role, territory_id in grants:
            if role == "antenna_staff":
                staff.setdefault(territory_id, []).append(user_id)
            elif role == "commission_member":
                members.setdefault(territory_id, []).append(user_id)
        # Every territory gets a writer; Bench 0001 gets a commission member to search as.
        password_hash = session.execute(sa.select(User.password_hash).limit(1)).scalar_one()
        extra_users, extra_grants = [], []
        next_user = (session.execute(sa.select(sa.func.max(User.id))).scalar() or 0) + 1
        for territory_id, slug in territory_rows:
            needs = ["antenna_staff"] if not staff.get(territory_id) else []
            if slug == territory_rows[0].slug:
                needs.append("commission_member")  # holds no other role: the reader measured
            for role in needs:
                uid = next_user
                next_user += 1
                extra_users.append({"id": uid, "email": f"research{uid:05d}@bench.najma.invalid",
                                    "full_name": f"Recherche {uid} (bench)", "password_hash": password_hash,
                                    "active": True, "locale": None, "is_demo": False, "last_login_at": None,
                                    "created_at": now, "updated_at": now})
                extra_grants.append({"user_id": uid, "role": role, "territory_id": territory_id,
                                     "chantier_id": None, "membership_id": None, "created_at": now})
                target = staff if role == "antenna_staff" else members
                target.setdefault(territory_id, []).insert(0, uid)
        if extra_users:
            session.execute(sa.insert(User), extra_users)
            session.execute(sa.insert(RoleAssignment), extra_grants)

        next_id = {name: 1 for name in ("note", "revision", "comment", "passage", "path", "document", "evidence")}
        shares = [rng.uniform(0.5, 1.5) for _ in territory_rows]
        total_share = sum(shares)
        planned = [max(1, int(notes * share / total_share)) for share in shares]
        planned[0] += notes - sum(planned)
        rare_every = max(1, notes // RARE_NOTES)
        note_index = 0
        kinds = list(NOTE_KINDS)
        for t_index, ((territory_id, _slug), count) in enumerate(zip(territory_rows, planned)):
            writers = staff[territory_id]
            commenters = members.get(territory_id) or writers
            rows = {"notes": [], "groups": [], "chantiers": [], "revisions": [], "comments": [], "passages": [],
                    "documents": []}
            citable: list[int] = []
            for n in range(count):
                note_id = next_id["note"]
                next_id["note"] += 1
                showcase = t_index == 0 and n == 0  # the note page measured: shared, with comments
                arabic = rng.random() < 0.3
                kind = rng.choice(kinds)
                visibility = "shared" if showcase else rng.choices(("draft", "shared", "published"), (3, 4, 3))[0]
                author_id = rng.choice(writers)
                on = today - timedelta(days=rng.randint(1, 730))
                created = datetime.combine(on, dtime(rng.randint(8, 18)), tzinfo=timezone.utc)
                rare = note_index % rare_every == 7 % rare_every
                note_index += 1
                drawn = rng.sample(group_ids, k=rng.randint(1, 2))
                theme = group_ids.index(drawn[0]) % len(_FR_THEMES)  # the note is mostly about its first group
                groups = sorted(drawn)
                body, sentences = writer.body(arabic, rng.randint(150, 350), rare, theme)
                title = (f"{_AR_TITLES[kind]}: {rng.choice(_AR_TOPICS[theme])}" if arabic
                         else f"{_FR_TITLES[kind]} : {rng.choice(_FR_TOPICS[theme])}")
                place = rng.choice(_PLACES)
                chantiers = sorted(rng.sample(chantier_ids, k=rng.randint(0, 2)))
                participants = {"25_59": {"female": rng.randint(1, 12)}} if kind == "focus_group" else {}
                version = 3 if showcase else rng.choices((1, 2, 3), (60, 30, 10))[0]
                fields = {"kind": kind, "fieldwork_date": on.isoformat(), "place": place, "commune_ids": [],
                          "target_group_ids": groups, "chantier_ids": chantiers, "participants": participants}
                rows["notes"].append({
                    "id": note_id, "territory_id": territory_id, "kind": kind, "title": title, "fieldwork_date": on,
                    "place": place, "body": body, "participants": participants, "visibility": visibility,
                    "version": version, "author_id": author_id,
                    "shared_at": created if visibility != "draft" else None,
                    "published_at": created if visibility == "published" else None,
                    "deleted_at": None, "deleted_by_id": None, "is_demo": False, "created_at": created,
                    "updated_at": created})
                rows["groups"] += [{"note_id": note_id, "target_group_id": g} for g in groups]
                rows["chantiers"] += [{"note_id": note_id, "chantier_id": c} for c in chantiers]
                paragraphs = body.split("\n\n")
                for number in range(1, version + 1):
                    kept = paragraphs[:max(1, len(paragraphs) - (version - number))]
                    rows["revisions"].append({
                        "id": next_id["revision"], "note_id": note_id, "number": number, "title": title,
                        "body": "\n\n".join(kept) if number < version else body, "fields": fields,
                        "author_id": author_id, "created_at": created + timedelta(hours=number - 1), "summary": ""})
                    next_id["revision"] += 1
                chantier_text = _ids(chantiers)
                rows["documents"].append(_document(
                    folder, doc_id=next_id["document"], object_type="note", object_id=note_id, note_id=note_id,
                    territory_id=territory_id, visibility=visibility, kind=kind, author_id=author_id, on_date=on,
                    group_ids=groups, chantier_ids=chantier_text, title=title, text=body + "\n" + place))
                next_id["document"] += 1
                if visibility != "draft":
                    citable.append(note_id)
                    comments = 3 if showcase else (rng.randint(1, 3) if rng.random() < 0.15 else 0)
                    for c in range(comments):
                        comment_id, commenter = next_id["comment"], rng.choice(commenters)
                        next_id["comment"] += 1
                        comment_body = writer.sentence(arabic, rng.randint(10, 40), theme)
                        at = min(now, created + timedelta(days=c + 1))
                        rows["comments"].append({"id": comment_id, "note_id": note_id, "author_id": commenter,
                                                 "body": comment_body, "created_at": at, "deleted_at": None})
                        rows["documents"].append(_document(
                            folder, doc_id=next_id["document"], object_type="comment", object_id=comment_id,
                            note_id=note_id, territory_id=territory_id, visibility=visibility, kind=kind,
                            author_id=commenter, on_date=at.date(), group_ids=groups, chantier_ids=chantier_text,
                            title=title, text=comment_body))
                        next_id["document"] += 1
                passages = 2 if showcase else (rng.randint(1, 2) if rng.random() < 0.2 else 0)
                for _ in range(passages):
                    rows["passages"].append({
                        "id": next_id["passage"], "note_id": note_id, "territory_id": territory_id,
                        "code": rng.choice(list(CODE_KINDS)), "target_group_id": rng.choice(groups),
                        "quote": rng.choice(sentences), "memo": "", "revision_number": version,
                        "author_id": author_id, "created_at": created, "deleted_at": None})
                    next_id["passage"] += 1

            paths, path_groups, evidence = [], [], []
            for p in range(PATHS_PER_TERRITORY):
                path_id = next_id["path"]
                next_id["path"] += 1
                status = rng.choices(("proposed", "retained", "set_aside"), (6, 3, 1))[0]
                chantier_id = rng.choice(chantier_ids)
                drawn = rng.sample(group_ids, k=rng.randint(1, 2))
                theme = group_ids.index(drawn[0]) % len(_FR_THEMES)
                groups = sorted(drawn)
                author_id = rng.choice(writers)
                created = now - timedelta(days=rng.randint(1, 200))
                title = f"{rng.choice(_PATH_TITLES)} ({p + 1})"
                rationale = " ".join(writer.sentence(False, rng.randint(8, 14), theme)
                                     for _ in range(rng.randint(5, 9)))
                partners = rng.choice(_PARTNERS)
                paths.append({
                    "id": path_id, "territory_id": territory_id, "title": title, "rationale": rationale,
                    "chantier_id": chantier_id, "priority": rng.choice(list(PATH_PRIORITIES)),
                    "partners_text": partners, "status": status,
                    "decision_reason": "Retenue par la commission (bench)." if status != "proposed" else "",
                    "decided_at": created + timedelta(days=5) if status != "proposed" else None,
                    "decided_by_id": None, "decision_meeting_id": None, "version": 1, "author_id": author_id,
                    "deleted_at": None, "is_demo": False, "created_at": created, "updated_at": created})
                path_groups += [{"path_id": path_id, "target_group_id": g} for g in groups]
                cited = ([citable[0]] if p == 0 and citable else []) + rng.sample(citable, k=min(len(citable), 2))
                for cited_note in dict.fromkeys(cited):
                    evidence.append({"id": next_id["evidence"], "path_id": path_id, "note_id": cited_note,
                                     "passage_id": None})
                    next_id["evidence"] += 1
                rows["documents"].append(_document(
                    folder, doc_id=next_id["document"], object_type="path", object_id=path_id, note_id=None,
                    territory_id=territory_id, visibility="shared", kind="path", author_id=author_id,
                    on_date=created.date(), group_ids=groups, chantier_ids=f",{chantier_id},", title=title,
                    text=rationale + "\n" + partners))
                next_id["document"] += 1

            for document in rows["documents"][::97]:
                folder.check(document)
            for table, key in ((ResearchNote.__table__, "notes"), (note_target_groups, "groups"),
                               (note_chantiers, "chantiers"), (NoteRevision.__table__, "revisions"),
                               (NoteComment.__table__, "comments"), (CodedPassage.__table__, "passages")):
                _insert(session, table, rows[key])
            _insert(session, InterventionPath.__table__, paths)
            _insert(session, path_target_groups, path_groups)
            _insert(session, PathEvidence.__table__, evidence)
            _insert(session, SearchDocument.__table__, rows["documents"])
            session.commit()
            counts["notes"] += len(rows["notes"])
            counts["revisions"] += len(rows["revisions"])
            counts["comments"] += len(rows["comments"])
            counts["coded_passages"] += len(rows["passages"])
            counts["paths"] += len(paths)
            counts["documents"] += len(rows["documents"])
            if verbose and (t_index + 1) % 10 == 0:
                print(f"  {t_index + 1}/{len(territory_rows)} territories, {counts['notes']:,} notes "
                      f"({time.perf_counter() - started:.0f} s)", flush=True)
        if db.engine.dialect.name == "postgresql":
            for table in ("research_notes", "research_note_revisions", "research_note_comments",
                          "research_coded_passages", "intervention_paths", "intervention_path_evidence",
                          "research_search_documents", "users", "role_assignments"):
                session.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                        f"(SELECT MAX(id) FROM {table}))"))
            session.execute(sa.text("ANALYZE"))
        else:
            session.execute(sa.text("ANALYZE"))
        session.commit()
        session.remove()
    return {"notes": notes, "territories": territories, "seed": seed,
            "generator_version": RESEARCH_GENERATOR_VERSION, "generated_on": utcnow().date().isoformat(),
            "counts": counts, "documents_checked": folder.checked, "people_seconds": people_seconds,
            "seconds": round(time.perf_counter() - started, 1)}


def _insert(session, table, rows: list[dict], chunk: int = 2000) -> None:
    for start in range(0, len(rows), chunk):
        session.execute(sa.insert(table), rows[start:start + chunk])


def prepare(url: str, path: Path | None, notes: int, territories: int, seed: int, *, regenerate: bool,
            verbose: bool = True) -> dict:
    """Make sure the database at ``url`` holds this research; return the generation summary.

    A SQLite file is reused while its description matches; a PostgreSQL database is emptied
    (``drop_all``) only with ``regenerate``, and refused when it holds anything else.
    """
    from najma import create_app
    from najma.extensions import db

    wanted = {"notes": notes, "territories": territories, "seed": seed,
              "generator_version": RESEARCH_GENERATOR_VERSION}
    if path is not None:
        meta = sidecar(path)
        if path.exists() and not meta.exists():
            raise SystemExit(f"{path} exists but was not made by benchmarks.research; remove it or pick another --db.")
        if path.exists() and not regenerate:
            summary = json.loads(meta.read_text())
            if all(summary.get(key) == value for key, value in wanted.items()):
                summary["reused"] = True
                return summary
        remove_sqlite(path)
        path.parent.mkdir(parents=True, exist_ok=True)
    app = create_app(bench_config(url))
    if path is None:
        with app.app_context():
            inspector = sa.inspect(db.engine)
            if inspector.has_table("research_notes"):
                existing = db.session.execute(sa.text("SELECT COUNT(*) FROM research_notes")).scalar()
                if existing == notes and not regenerate:
                    return {**wanted, "reused": True, "counts": {"notes": existing}}
                if not regenerate:
                    raise SystemExit("The database holds other data; pass --regenerate to empty it (drop_all).")
            if regenerate:
                db.session.remove()  # end the counting transaction: PostgreSQL's DROP waits for its lock
                db.drop_all()
            db.session.remove()
    if verbose:
        print(f"Generating {notes:,} notes over {territories} territories into {path or url} ...", flush=True)
    summary = build(app, notes, territories, seed, verbose=verbose)
    with app.app_context():
        db.engine.dispose()
    if path is not None:
        sidecar(path).write_text(json.dumps(summary, indent=2) + "\n")
    return summary


# --- the measures ----------------------------------------------------------------------------------

def find_targets(app) -> dict:
    """Who signs in and what is requested, found in the generated data."""
    from najma.auth.models import RoleAssignment
    from najma.extensions import db
    from najma.research.models import ResearchNote
    from najma.territories.models import Territory

    with app.app_context():
        session = db.session
        territory = session.execute(sa.select(Territory).where(Territory.slug == "bench-0001")).scalar_one()

        def first(role: str, territory_id: int | None = None, last: bool = False) -> int:
            pick = sa.func.max if last else sa.func.min
            query = sa.select(pick(RoleAssignment.user_id)).where(RoleAssignment.role == role)
            if territory_id is not None:
                query = query.where(RoleAssignment.territory_id == territory_id)
            return session.execute(query).scalar_one()

        note_id = session.execute(sa.select(sa.func.min(ResearchNote.id)).where(
            ResearchNote.territory_id == territory.id)).scalar_one()
        targets = {"slug": territory.slug, "territory_id": territory.id, "note_id": note_id,
                   "admin": first("admin"), "staff": first("antenna_staff", territory.id),
                   # The commission member added by ``build`` (the newest account): no other role.
                   "member": first("commission_member", territory.id, last=True)}
        session.remove()
    return targets


def scenario_url(scenario: Scenario, targets: dict) -> str:
    """The URL a scenario requests."""
    from urllib.parse import urlencode

    if scenario.endpoint == "research.note":
        return f"/research/notes/{targets['note_id']}"
    if scenario.endpoint == "research.territory_research":
        return f"/territories/{targets['slug']}/research"
    params = {"q": scenario.query}
    if scenario.territory_filter:
        params["territory"] = targets["territory_id"]
    return "/research/search?" + urlencode(params)


def measure(app, *, requests: int, warmup: int) -> tuple[dict[str, Measure], dict[str, int], list[str]]:
    """Time every scenario whose endpoint exists; return the measures, the number of results of
    each search, and the scenarios skipped."""
    from najma.auth.models import User
    from najma.extensions import db
    from najma.research.search import SearchFilters, search

    targets = find_targets(app)
    with app.app_context():
        engine = db.engine
        totals = {}
        for scenario in SCENARIOS:
            if scenario.kind == "search":
                user = db.session.get(User, targets[scenario.user])
                filters = SearchFilters(territory_id=targets["territory_id"] if scenario.territory_filter else None)
                totals[scenario.key] = search(user, scenario.query, filters).total
        db.session.remove()
    skipped = [s.label for s in SCENARIOS if s.endpoint not in app.view_functions]
    counter = {"n": 0, "statements": []}

    def count(_conn, _cursor, statement, _params, _context, _executemany):
        counter["n"] += 1
        counter["statements"].append(statement)

    clients = {}
    for who in ("admin", "member", "staff"):
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = str(targets[who])
            session["_fresh"] = True
        clients[who] = client
    results: dict[str, Measure] = {}
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        for scenario in SCENARIOS:
            if scenario.endpoint not in app.view_functions:
                continue
            m = Measure(scenario.page, scenario_url(scenario, targets))
            gc.collect()
            time_requests(clients[scenario.user], m, scenario.label, counter, warmup=warmup, requests=requests)
            results[scenario.key] = m
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    return results, totals, skipped


def run(url: str, path: Path | None, notes: int, territories: int, seed: int, *, requests: int, warmup: int,
        regenerate: bool, verbose: bool = True):
    """Prepare the database at ``url``, then measure every scenario on it."""
    from najma import create_app
    from najma.extensions import db

    summary = prepare(url, path, notes, territories, seed, regenerate=regenerate, verbose=verbose)
    app = create_app(bench_config(url))
    results, totals, skipped = measure(app, requests=requests, warmup=warmup)
    with app.app_context():
        dialect = db.engine.dialect.name
        db.engine.dispose()
    return summary, results, totals, skipped, dialect


def table(big: dict[str, Measure], small: dict[str, Measure], totals: dict[str, int], big_name: str,
          small_name: str) -> str:
    """The results as a Markdown table, with the small database's query counts beside."""
    header = (f"| Scenario | URL | Results | Median ms | p95 ms | Queries ({big_name}) | Queries ({small_name}) |\n"
              "|---|---|---:|---:|---:|---:|---:|")
    rows = []
    for key, m in big.items():
        s = small[key].query_count if key in small else 0
        flag = " ⚠ grows" if m.query_count > s else ""
        target = "" if TIMED.get(key, True) else " (no target)"
        found = f"{totals[key]:,}" if key in totals else ""
        rows.append(f"| {m.page.label} | `{m.url}` | {found} | {m.median:.1f} | {m.p95:.1f}{target} | "
                    f"{m.query_count}{flag} | {s} |")
    return "\n".join([header, *rows])


def check(results: dict[str, Measure], small: dict[str, Measure], *, enforce_time: bool) -> list[str]:
    """Targets missed: p95 over the target (when timed targets apply) or a query count that grows."""
    failures = []
    scenarios = {s.key: s for s in SCENARIOS}
    for key, m in results.items():
        limit = SEARCH_P95_MS if scenarios[key].kind == "search" else PAGE_P95_MS
        if enforce_time and scenarios[key].timed and m.p95 > limit:
            failures.append(f"{m.page.label}: p95 {m.p95:.1f} ms > {limit:.0f} ms")
        if key in small and m.query_count > small[key].query_count:
            failures.append(f"{m.page.label}: {small[key].query_count} queries on the small database, "
                            f"{m.query_count} on the big one")
    return failures


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; 0 when every target holds, 1 otherwise."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--notes", type=int, default=NATIONAL_NOTES)
    parser.add_argument("--territories", type=int, default=80)
    parser.add_argument("--requests", type=int, default=30, help="measured requests per scenario (default 30)")
    parser.add_argument("--warmup", type=int, default=3, help="unmeasured requests first (default 3)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--compare-notes", type=int, default=1000,
                        help="notes of the small database whose query counts are compared (default 1000)")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--db", help="SQLite file (default: benchmarks/out/research-<notes>.sqlite)")
    where.add_argument("--database-url", help="another database, e.g. postgresql+psycopg://.../najma_bench")
    parser.add_argument("--regenerate", action="store_true",
                        help="build the data again (a PostgreSQL database is emptied first)")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    if args.database_url:
        url, path = args.database_url, None
    else:
        path = Path(args.db).resolve() if args.db else OUT_DIR / f"research-{args.notes}.sqlite"
        url = database_url(path)
    summary, big, totals, skipped, dialect = run(url, path, args.notes, args.territories, args.seed,
                                                 requests=args.requests, warmup=args.warmup,
                                                 regenerate=args.regenerate)
    small_notes = min(args.compare_notes, args.notes)
    small_territories = min(args.territories, 8)
    small_path = OUT_DIR / f"research-{small_notes}-{small_territories}t.sqlite"
    _s, small, _t, _k, _d = run(database_url(small_path), small_path, small_notes, small_territories, args.seed,
                                requests=2, warmup=1, regenerate=args.regenerate, verbose=False)

    how = "reused" if summary.get("reused") else f"generated in {summary.get('seconds')} s"
    print(f"\nResearch benchmark: {args.notes:,} notes over {args.territories} territories "
          f"({dialect}; {path or url}; {how})")
    counts = summary.get("counts", {})
    if counts:
        print("Rows: " + ", ".join(f"{k} {v:,}" for k, v in counts.items())
              + (f"; {summary['documents_checked']:,} documents checked against fold()"
                 if summary.get("documents_checked") else ""))
    print(f"{args.requests} measured requests per scenario after {args.warmup} warm-ups; query counts per request "
          f"(max), compared with {small_notes:,} notes over {small_territories} territories.\n")
    print(table(big, small, totals, f"{args.notes:,}", f"{small_notes:,}"))
    for label in skipped:
        print(f"\nSkipped (page not available yet): {label}")
    for key, m in big.items():
        if key in small and m.query_count > small[key].query_count:
            print(f"\nWARNING {m.page.label}: statements sent more often at {args.notes:,} notes:")
            for statement, a, b in growth(m, small[key])[:5]:
                print(f"  {a} -> {b}: {statement[:300]}")
    enforce_time = args.notes >= NATIONAL_NOTES and dialect == "sqlite"
    failures = check(big, small, enforce_time=enforce_time)
    print(f"\nTotal {time.perf_counter() - started:.1f} s.")
    if failures:
        print("FAILED:")
        for failure in failures:
            print("  " + failure)
        return 1
    print("OK: " + (f"search p95 under {SEARCH_P95_MS:.0f} ms, pages under {PAGE_P95_MS:.0f} ms, "
                    if enforce_time else "") + "no query count grows with the data.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
