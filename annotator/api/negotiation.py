"""Content negotiation as DRF does it, with the common case answered before parsing anything."""

from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request


class JsonFirstNegotiation(DefaultContentNegotiation):
    """A request that accepts anything or JSON gets the first renderer (JSON) without parsing.

    DRF parses the Accept header and matches it against every renderer on each request; for the
    scripts and the workspace, which send no Accept header or application/json, the answer is
    always the first renderer. Anything else (a browser asking for HTML, ?format=) goes to DRF.
    """

    def select_renderer(
        self, request: Request, renderers: list[BaseRenderer], format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str]:
        accept = request.META.get("HTTP_ACCEPT", "*/*")
        first = renderers[0]
        if (
            format_suffix is None
            and accept in ("*/*", first.media_type)
            and f"{self.settings.URL_FORMAT_OVERRIDE}=" not in request.META.get("QUERY_STRING", "")
        ):
            return first, first.media_type
        return super().select_renderer(request, renderers, format_suffix)
