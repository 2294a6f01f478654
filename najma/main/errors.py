"""Error pages in the site layout, or JSON for clients that ask for it."""
from flask import jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException, InternalServerError

MESSAGES = {
    400: (_l("Bad request"), _l("The request could not be understood. Go back and try again.")),
    403: (_l("Access refused"), _l("Your roles do not allow this action. Ask an administrator if you need it.")),
    404: (_l("Page not found"), _l("This page does not exist or has been moved.")),
    405: (_l("Method not allowed"), _l("This address does not accept this kind of request.")),
    409: (_l("Edit conflict"), _l("Someone changed this while you were editing.")),
    429: (_l("Too many attempts"), _l("Too many attempts in a short time. Wait a minute, then try again.")),
    500: (_l("Something went wrong"), _l("An unexpected error occurred. It has been logged; try again later.")),
}


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def handle_http_error(error):
    """Render ``error`` (an HTTPException, or any exception for 500) in the layout."""
    if not isinstance(error, HTTPException):
        error = InternalServerError()
    code = error.code or 500
    title, message = MESSAGES.get(code, (error.name, error.description))
    if error.description and error.description != type(error).description:
        message = error.description  # a specific reason given with abort(code, description=...)
    if _wants_json():
        return jsonify(error=str(title), message=str(message)), code
    return render_template("errors/error.html", code=code, title=title, message=message), code


def handle_csrf_error(error):
    """A missing or stale CSRF token: explain, change nothing."""
    title = _l("Form expired")
    message = _l("This form has expired or was not sent from NAJMA. Reload the page and submit it again; "
                 "nothing was saved.")
    if _wants_json():
        return jsonify(error=str(title), message=str(message)), 400
    return render_template("errors/error.html", code=400, title=title, message=message), 400
