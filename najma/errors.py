"""Domain errors raised by services; views turn them into messages or HTTP answers."""
from flask_babel import lazy_gettext as _l


class DomainError(Exception):
    """A business rule refused the action; ``message`` says why, for the user."""

    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field


class StaleEditError(DomainError):
    """Someone saved the text since this edit began; carries both versions for merging."""

    def __init__(self, mine: str, current: str, current_version: int):
        super().__init__(_l("This text was changed by someone else while you were editing it."))
        self.mine = mine
        self.current = current
        self.current_version = current_version
