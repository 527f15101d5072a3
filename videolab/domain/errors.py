"""Domain errors. Each carries a message a person understands; controllers show it as is."""

from __future__ import annotations


class VideoLabError(Exception):
    """Base of every error VideoLab reports to a person."""

    #: Exit code the CLI uses for this error (DESIGN.md: 1 other, 3 auth/permission, 4 credits).
    exit_code: int = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class InvalidInput(VideoLabError):
    """The input cannot be used as given (bad file, bad parameter, unknown tag...)."""


class NotFound(VideoLabError):
    """The object does not exist, or the acting user may not see it (same message on purpose)."""


class Conflict(VideoLabError):
    """The change collides with existing state (duplicate name, job already finished...)."""


class AuthenticationFailed(VideoLabError):
    """Wrong email or password, expired token, or too many attempts."""

    exit_code = 3


class PermissionDenied(VideoLabError):
    """The acting user may not do this."""

    exit_code = 3


class InsufficientCredits(VideoLabError):
    """The balance cannot pay for the operation; nothing was stored or charged."""

    exit_code = 4

    def __init__(self, message: str, *, needed_milli: int = 0, available_milli: int = 0) -> None:
        super().__init__(message)
        self.needed_milli = needed_milli
        self.available_milli = available_milli


class Unavailable(VideoLabError):
    """A resource is missing or unreachable (model weights offline, disk full, GPU absent)."""


class ConsentRequired(VideoLabError):
    """The operation needs the user's explicit consent first (e.g. loading an outside .pt file)."""


class Cancelled(VideoLabError):
    """The user cancelled the operation."""
