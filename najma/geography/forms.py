"""Geography forms: uploading a boundary file, then confirming its preview."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from najma.form_errors import strip

#: What an uploaded file can hold the boundaries of.
IMPORT_LEVELS = (
    ("commune", _l("Communes")),
    ("province", _l("Provinces and prefectures")),
    ("region", _l("Regions")),
    ("territory", _l("A territory's outline")),
)
#: Coordinate systems offered when a file declares none (Morocco's usual ones).
COMMON_CRS = (
    ("EPSG:4326", "WGS 84 (longitude/latitude), EPSG:4326"),
    ("EPSG:26191", "Merchich / Nord Maroc, EPSG:26191"),
    ("EPSG:26192", "Merchich / Sud Maroc, EPSG:26192"),
    ("EPSG:26194", "Merchich / Sahara Nord, EPSG:26194"),
    ("EPSG:26195", "Merchich / Sahara Sud, EPSG:26195"),
    ("EPSG:32629", "WGS 84 / UTM 29N, EPSG:32629"),
    ("EPSG:32630", "WGS 84 / UTM 30N, EPSG:32630"),
)


class BoundaryUploadForm(FlaskForm):
    """The file, what it holds, and how to read and match it."""

    file = FileField(_l("File"), validators=[FileRequired(_l("Choose a file to import."))],
                     description=_l("GeoJSON (.geojson), GeoPackage (.gpkg), or a Shapefile zipped with its "
                                    ".shx, .dbf and .prj (.zip)."))
    level = SelectField(_l("Boundaries of"), choices=IMPORT_LEVELS, validators=[DataRequired()])
    territory = SelectField(_l("Territory"), choices=[],
                            description=_l("Only for a territory's outline: all the file's polygons are merged."))
    code_column = StringField(_l("Column of HCP codes"), filters=[strip], validators=[Optional(), Length(max=80)],
                              description=_l("Leave empty to find it: a column named “code” or “hcp”, "
                                             "else the unit names."))
    name_column = StringField(_l("Column of names"), filters=[strip], validators=[Optional(), Length(max=80)],
                              description=_l("To match by French or Arabic name instead of code."))
    assume_crs = SelectField(_l("Coordinate system to assume"),
                             choices=[("", _l("None: refuse a file that does not declare one"))] + list(COMMON_CRS),
                             description=_l("Used only when the file does not say which coordinate system it "
                                            "uses (a Shapefile without its .prj, for instance)."))


class ImportConfirmForm(FlaskForm):
    """Confirms (or cancels) the upload waiting under ``token``."""

    token = HiddenField(validators=[DataRequired()])
