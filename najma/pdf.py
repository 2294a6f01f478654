"""HTML to PDF with WeasyPrint, for the research dossier and the committee's minutes.

The documents hold text users wrote (Markdown, sanitised, but it may still name images), so
WeasyPrint never fetches anything by itself: its URL fetcher serves only this application's
own static files (``/static/...`` and the vendored assets under ``/vendor/...``) straight
from disk, and ``data:`` URLs, which need no fetching. Any other address, remote or local,
``file://`` outside those folders included, is refused and the resource is left out.
"""
from __future__ import annotations

import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import DataHandler, Request, url2pathname

from flask import current_app
from werkzeug.security import safe_join

_FILENAME_PART = "/<path:filename>"


class ForbiddenURL(ValueError):
    """WeasyPrint asked for a resource that is not one of the application's static files."""


def static_roots() -> dict[str, Path]:
    """The URL prefixes of the static files the application serves, with their folders,
    e.g. ``{"/static": .../static, "/vendor/bootstrap": .../xstatic/pkg/bootstrap/data}``."""
    app = current_app
    roots: dict[str, Path] = {}
    for rule in app.url_map.iter_rules():
        if not rule.rule.endswith(_FILENAME_PART):
            continue
        if rule.endpoint == "static":
            folder = app.static_folder
        elif rule.endpoint.endswith(".static") and rule.endpoint[:-7] in app.blueprints:
            folder = app.blueprints[rule.endpoint[:-7]].static_folder
        else:
            continue
        if folder:
            roots[rule.rule[:-len(_FILENAME_PART)]] = Path(folder).resolve()
    return roots


def _fetcher_class():
    """The WeasyPrint fetcher class (imported lazily: WeasyPrint loads Pango when imported)."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticFilesFetcher(URLFetcher):
        """Serves the application's static files from disk and ``data:`` URLs; refuses anything else."""

        def __init__(self, base_url: str, roots: dict[str, Path]):
            super().__init__(allowed_protocols=("http", "https", "file", "data"))
            base = urlsplit(base_url or "")
            self.origin = (base.scheme.lower(), base.netloc.lower()) if base.scheme in ("http", "https") else None
            self.roots = roots

        def fetch(self, url, headers=None):
            parts = urlsplit(url)
            scheme = parts.scheme.lower()
            if scheme == "data":
                response = DataHandler().data_open(Request(url))
                return URLFetcherResponse(url, response.read(), {"Content-Type": response.headers["Content-Type"]})
            if scheme in ("http", "https"):
                if self.origin is None or (scheme, parts.netloc.lower()) != self.origin:
                    raise ForbiddenURL(f"not this application's address: {url}")
                path = self._static_file(unquote(parts.path))
            elif scheme == "file" and parts.netloc in ("", "localhost"):
                path = self._static_folder_file(Path(url2pathname(parts.path)))
            else:
                raise ForbiddenURL(f"refused: {url}")
            media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": media_type})

        def _static_file(self, url_path: str) -> Path:
            """The file a ``/static/...`` or ``/vendor/...`` URL path names (ForbiddenURL otherwise)."""
            for prefix, folder in self.roots.items():
                if url_path.startswith(prefix + "/"):
                    joined = safe_join(str(folder), url_path[len(prefix) + 1:])
                    if joined is not None:
                        return self._static_folder_file(Path(joined))
            raise ForbiddenURL(f"not a static file: {url_path}")

        def _static_folder_file(self, path: Path) -> Path:
            """``path`` if it is an existing file inside one of the static folders."""
            resolved = path.resolve()
            if resolved.is_file() and any(resolved.is_relative_to(folder) for folder in self.roots.values()):
                return resolved
            raise ForbiddenURL(f"not a static file: {path}")

    return StaticFilesFetcher


def url_fetcher(base_url: str):
    """A WeasyPrint URL fetcher for documents rendered at ``base_url``: only the application's
    static files on that address (and ``data:`` URLs) are served; nothing is fetched over the network."""
    return _fetcher_class()(base_url, static_roots())


def render(html: str, base_url: str):
    """Lay ``html`` out as a WeasyPrint document (its pages can be inspected before writing)."""
    from weasyprint import HTML

    return HTML(string=html, base_url=base_url, url_fetcher=url_fetcher(base_url)).render()


def html_to_pdf(html: str, base_url: str) -> bytes:
    """The PDF of ``html``; relative URLs resolve against ``base_url`` (usually ``request.url_root``),
    and only the application's own static files are loaded."""
    return render(html, base_url).write_pdf()
