"""The one error whose text is meant for the person in Slack."""


class UserError(Exception):
    """Bad input or a refused action; ``message`` is shown to the person as-is, ephemerally.

    The message says what went wrong and what to type instead. It is plain mrkdwn written by
    us; any user-supplied part inside it must already be escaped (see :func:`maestro.text.escape`).
    """

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NotFound(UserError):
    """A task key, or another record a person named, does not exist in this project."""
