"""WSGI entry point: ``flask --app app ...`` and production servers import ``app`` from here."""
from najma import create_app

app = create_app()
