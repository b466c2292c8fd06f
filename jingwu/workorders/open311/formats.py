"""The two GeoReport v2 formats: JSON and XML, shaped exactly as the specification's examples.

A document is built once as plain Python (lists of dicts) and rendered in either format: JSON as
is; XML with the specification's element names (a root element, one child element per list item,
and ``<values><value>`` / ``<formats><format>`` for nested lists), booleans as ``true``/``false``
and ``None`` as an empty element. All text is UTF-8 with the XML declaration the spec asks for.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.http import HttpResponse
from django.utils import timezone

from jingwu.core.calendar import TZ

FORMATS = ("json", "xml")
CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'
# Characters XML 1.0 cannot carry at all (ElementTree would write them and break the document).
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

# Element name of one item of a list, by the list's element name.
ITEM_NAMES = {
    "services": "service",
    "service_requests": "request",
    "attributes": "attribute",
    "values": "value",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
}


def w3c(moment: datetime | None) -> str | None:
    """ISO 8601 / W3C date-time with the offset, in the display zone: 2023-05-08T09:00:00+08:00."""
    if moment is None:
        return None
    return timezone.localtime(moment, TZ).replace(microsecond=0).isoformat()


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return _XML_INVALID.sub("", str(value))


def _fill(element: ET.Element, value: Any) -> None:
    if isinstance(value, dict):
        for key, child in value.items():
            _fill(ET.SubElement(element, key), child)
    elif isinstance(value, list):
        item_name = ITEM_NAMES.get(element.tag, "item")
        for item in value:
            _fill(ET.SubElement(element, item_name), item)
    else:
        element.text = _text(value)


def to_xml(root: str, document: Any) -> bytes:
    element = ET.Element(root)
    _fill(element, document)
    return XML_DECLARATION + ET.tostring(element, encoding="unicode").encode("utf-8")


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def render(fmt: str, root: str, document: Any, status: int = 200) -> HttpResponse:
    """``document`` as JSON, or as XML under the root element ``root``."""
    if fmt == "json":
        body = json.dumps(document, ensure_ascii=False, default=_json_default).encode("utf-8")
    else:
        body = to_xml(root, document)
    return HttpResponse(body, status=status, content_type=CONTENT_TYPES.get(fmt, CONTENT_TYPES["xml"]))


class Open311Error(Exception):
    """One or more errors in the specification's format; the HTTP status is that of the first."""

    def __init__(self, code: int, description: str, *more: tuple[int, str]):
        super().__init__(description)
        self.errors = [(code, description), *more]

    @property
    def status(self) -> int:
        return self.errors[0][0]


def error_response(fmt: str, error: Open311Error) -> HttpResponse:
    """``[{"code": 400, "description": "..."}]`` / ``<errors><error><code>…`` with the HTTP status."""
    document = [{"code": code, "description": description} for code, description in error.errors]
    return render(fmt if fmt in FORMATS else "xml", "errors", document, status=error.status)
