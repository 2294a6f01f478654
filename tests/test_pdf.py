"""HTML to PDF: a document is produced with its text, and nothing outside the application's
static files is ever fetched (a hostile <img src> in a note cannot reach the network)."""
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from najma import pdf

BASE = "http://najma.test/"


def page_text(document) -> str:
    """The text laid out on every page of a WeasyPrint document."""
    return " ".join(box.text for page in document.pages for box in page._page_box.descendants()
                    if getattr(box, "text", None))


@pytest.fixture
def listener():
    """A local HTTP server that counts the requests it receives; yields (base URL, hits)."""
    hits = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (the standard library's name)
            hits.append(self.path)
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", hits
    finally:
        server.shutdown()
        server.server_close()


def test_a_pdf_is_produced_with_the_text(app):
    html = ("<html><head><title>Dossier</title></head><body><h1>Dossier de recherche</h1>"
            "<p>Les élèves de Tanant</p><p dir='rtl'>مرحبا بكم</p></body></html>")
    data = pdf.html_to_pdf(html, BASE)
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    document = pdf.render(html, BASE)
    assert len(document.pages) == 1
    text = page_text(document)
    assert "Dossier de recherche" in text and "élèves de Tanant" in text and "مرحبا" in text


def test_a_long_document_runs_over_several_pages(app):
    html = "<body>" + "".join(f"<p>Paragraphe {n}</p>" for n in range(200)) + "</body>"
    assert len(pdf.render(html, BASE).pages) > 3


def test_remote_and_local_addresses_are_never_fetched(app, listener):
    remote, hits = listener
    html = (f"<link rel='stylesheet' href='{remote}/style.css'>"
            f"<style>@import url('{remote}/imported.css'); body {{ background: url('{remote}/bg.png') }}</style>"
            f"<p>Texte</p><img src='{remote}/tracker.png'><img src='file:///etc/hostname'>")
    data = pdf.html_to_pdf(html, BASE)
    assert data.startswith(b"%PDF-")
    assert hits == []


def test_the_listener_does_see_what_weasyprint_fetches_by_default(app, listener):
    """The check above can fail: WeasyPrint's own fetcher would have asked the server."""
    from weasyprint import HTML

    remote, hits = listener
    HTML(string=f"<img src='{remote}/tracker.png'>", base_url=BASE).write_pdf()
    assert hits == ["/tracker.png"]


def test_a_base_element_does_not_open_another_origin(app, listener):
    remote, hits = listener
    pdf.html_to_pdf(f"<head><base href='{remote}/'></head><img src='static/css/najma.css'>", BASE)
    assert hits == []


def test_only_the_applications_static_files_are_served(app):
    fetcher = pdf.url_fetcher(BASE)
    own = Path(app.static_folder) / "css" / "najma.css"
    assert fetcher.fetch(BASE + "static/css/najma.css").read() == own.read_bytes()
    bootstrap = fetcher.fetch(BASE + "vendor/bootstrap/css/bootstrap.min.css")
    assert bootstrap.content_type == "text/css" and len(bootstrap.read()) > 10_000
    assert fetcher.fetch(own.as_uri()).read() == own.read_bytes()
    assert fetcher.fetch("data:text/plain;base64,c2FsYW0=").read() == b"salam"


@pytest.mark.parametrize("url", [
    BASE + "static/../najma/config.py",
    BASE + "static/%2e%2e/najma/config.py",
    BASE + "vendor/bootstrap/../../../../../etc/passwd",
    BASE + "static/css/missing.css",
    BASE + "research/attachments/1",
    BASE + "instance/secret_key",
    "http://other.example/static/css/najma.css",
    "https://najma.test/static/css/najma.css",
    "file:///etc/passwd",
    "ftp://najma.test/static/css/najma.css",
])
def test_anything_else_is_refused(app, url):
    with pytest.raises(pdf.ForbiddenURL):
        pdf.url_fetcher(BASE).fetch(url)


def test_a_file_url_outside_the_static_folders_is_refused(app, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("hidden")
    with pytest.raises(pdf.ForbiddenURL):
        pdf.url_fetcher(BASE).fetch(secret.as_uri())
