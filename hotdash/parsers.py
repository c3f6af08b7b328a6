"""The default parser of every API (REST_FRAMEWORK's DEFAULT_PARSER_CLASSES).

A leaf module of its own, importing only DRF's parsers and exceptions: DRF imports the
default parser classes while it defines `APIView`, so a module that imports anything
built on `APIView` (hotdash.errors, hotdash.rest) would be a circular import here.
"""

from __future__ import annotations

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class NestingSafeJSONParser(JSONParser):
    """DRF's JSON parser, except that JSON nested deeper than the decoder's stack (about
    1,000 levels) is a 400 `parse_error`: DRF lets the RecursionError through as a 500."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - nested too deeply.") from None
