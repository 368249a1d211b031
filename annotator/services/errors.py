"""Domain errors that services raise and the API turns into status codes."""

from django.core.exceptions import ValidationError


class StaleVersion(Exception):
    """A write based on an annotation set version that is no longer current (HTTP 409)."""

    def __init__(self, expected: int, current: int) -> None:
        super().__init__(
            f"The annotation set is at version {current}, but this change was based on version "
            f"{expected}. Reload to see the latest changes."
        )
        self.expected = expected
        self.current = current


class NotAllowed(Exception):
    """The user may not touch this object; reported as not found so nothing leaks (HTTP 404)."""


def invalid(field: str, message: str, code: str = "invalid") -> ValidationError:
    """Build a ValidationError that names the offending field."""
    return ValidationError({field: ValidationError(message, code=code)})
