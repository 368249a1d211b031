"""Turn domain errors into HTTP answers: 400 naming the field, 404, 409 for stale writes."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from annotator.services.errors import NotAllowed, StaleVersion


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            body = {
                field: [e.message % (e.params or {}) for e in errors]
                for field, errors in exc.error_dict.items()
            }
        else:
            body = {"non_field_errors": exc.messages}
        return Response(body, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, StaleVersion):
        return Response(
            {"detail": str(exc), "code": "stale_version", "version": exc.current},
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, NotAllowed):
        return Response({"detail": str(exc)}, status=status.HTTP_404_NOT_FOUND)
    if isinstance(exc, IntegrityError):
        # Only reachable when two requests race past the same check; the loser is told to retry.
        return Response(
            {
                "detail": "This change conflicts with one made at the same moment; reload and retry.",
                "code": "conflict",
            },
            status=status.HTTP_409_CONFLICT,
        )
    return drf_exception_handler(exc, context)
