"""Control characters out of every input, and text made safe for XML.

C0 controls (U+0000 to U+001F) and DEL have no place in what people type or import, and most
are not allowed in XML 1.0 at all: one U+000B in a title made a whole Atom feed unreadable.
Every request's form fields and query parameters are cleaned here (`CleanRequest`), single-line
form fields lose tabs and line breaks too (`PortalForm`), imports clean every string, and feeds
pass their text through `xml_text` for what is already stored.
"""

import re

from flask import Request
from werkzeug.datastructures import MultiDict

# C0 controls except tab and line feed, DEL, lone surrogates (JSON "\ud800") and the two
# non-characters XML forbids. CR is handled first: CR LF and a lone CR become LF.
_UNWANTED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
_TAB_OR_LINE_BREAK = re.compile("[\t\n]+")
# Everything outside XML 1.0's `Char` production, and DEL (allowed there, but a control).
_NOT_XML = re.compile("[^\t\n\r\x20-\x7e\x80-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def clean_text(value: str, multiline: bool = True) -> str:
    """`value` without control characters; line breaks are LF, and single-line text has none
    (tabs and line breaks become one space)."""
    value = _UNWANTED.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))
    if not multiline:
        value = _TAB_OR_LINE_BREAK.sub(" ", value)
    return value


def clean_data(value, multiline: bool = False):
    """Every string in a parsed JSON value (keys too) cleaned; single-line unless said."""
    if isinstance(value, str):
        return clean_text(value, multiline)
    if isinstance(value, list):
        return [clean_data(item, multiline) for item in value]
    if isinstance(value, dict):
        return {clean_text(k, False): clean_data(v, multiline) for k, v in value.items()}
    return value


def xml_text(value: str) -> str:
    """`value` without the characters XML 1.0 cannot carry (and without DEL)."""
    return _NOT_XML.sub("", value)


def _clean_multidict(data: MultiDict) -> MultiDict:
    return type(data)(
        (clean_text(key, False), clean_text(value) if isinstance(value, str) else value)
        for key, value in data.items(multi=True)
    )


class CleanRequest(Request):
    """Form fields and query parameters without control characters, CR LF made LF.

    Tab and line feed stay here (a text area may hold them); single-line form fields drop
    them in `PortalForm`.
    """

    def _load_form_data(self) -> None:
        super()._load_form_data()
        self.__dict__["form"] = _clean_multidict(self.__dict__["form"])

    @property
    def args(self) -> MultiDict:
        cached = self.__dict__.get("_clean_args")
        if cached is None:
            cached = self.__dict__["_clean_args"] = _clean_multidict(Request.args.fget(self))
        return cached
