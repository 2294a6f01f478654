"""Third-party front-end assets served from their Python packages, never from a CDN.

Bootstrap 5 comes from ``xstatic-bootstrap``, which ships both the left-to-right and the
right-to-left stylesheets (Arabic pages use ``bootstrap.rtl.min.css``).
"""
import xstatic.pkg.bootstrap as xstatic_bootstrap
from flask import Blueprint

bp = Blueprint("vendor", __name__, static_folder=xstatic_bootstrap.BASE_DIR,
               static_url_path="/vendor/bootstrap")
BOOTSTRAP_VERSION = xstatic_bootstrap.VERSION
