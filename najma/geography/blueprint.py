"""The ``geography`` blueprint (``/geo``), shared by the boundary import and the map pages."""
from flask import Blueprint

bp = Blueprint("geography", __name__, url_prefix="/geo")
