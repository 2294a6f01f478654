"""Third-party front-end assets served from their Python packages, never from a CDN.

Bootstrap 5 comes from ``xstatic-bootstrap``, which ships both the left-to-right and the
right-to-left stylesheets (Arabic pages use ``bootstrap.rtl.min.css``); Leaflet comes from
``xstatic-leaflet`` at ``/vendor/leaflet``.
"""
import xstatic.pkg.bootstrap as xstatic_bootstrap
import xstatic.pkg.leaflet as xstatic_leaflet
from flask import Blueprint

bp = Blueprint("vendor", __name__, static_folder=xstatic_bootstrap.BASE_DIR,
               static_url_path="/vendor/bootstrap")
BOOTSTRAP_VERSION = xstatic_bootstrap.VERSION

leaflet_bp = Blueprint("vendor_leaflet", __name__, static_folder=xstatic_leaflet.BASE_DIR,
                       static_url_path="/vendor/leaflet")
LEAFLET_VERSION = xstatic_leaflet.VERSION
