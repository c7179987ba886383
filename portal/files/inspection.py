"""Decide what an uploaded file is from its content, and refuse what we do not want to keep."""

import io
import logging
import re
import unicodedata
import zipfile
from dataclasses import dataclass

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException
from flask_babel import lazy_gettext as _l
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

logger = logging.getLogger(__name__)

MIMETYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "odt": "application/vnd.oasis.opendocument.text",
    "txt": "text/plain",
}
DOCX_MAIN_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"

MAX_FILENAME_LENGTH = 150
MAX_ZIP_MEMBERS = 1000
MAX_ZIP_UNCOMPRESSED = 200 * 1024 * 1024
MAX_ZIP_RATIO = 100
# Below this size a high ratio cannot expand into anything harmful.
ZIP_RATIO_MIN_SIZE = 1024 * 1024
# Small parts we read during inspection; real ones are a few kilobytes.
MAX_MANIFEST_SIZE = 1024 * 1024
MAX_PDF_OBJECTS = 200_000

# Names in a PDF that run code or programs when the file is opened or clicked.
PDF_ACTIVE_NAMES = frozenset({"JavaScript", "JS", "Launch"})
_PDF_NAME = re.compile(rb"/([^\x00\t\n\f\r ()<>\[\]{}/%]+)")
_PDF_STREAM_START = re.compile(rb"stream\r?\n")
_PDF_HEX_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")

# Relationship types through which Word loads something from elsewhere when opening the file.
_EXTERNAL_RELATIONSHIP_TYPES = ("attachedtemplate", "oleobject", "subdocument", "frame")
_WINDOWS_RESERVED = frozenset(
    {"con", "prn", "aux", "nul"} | {f"com{i}" for i in range(10)} | {f"lpt{i}" for i in range(10)}
)
_FILENAME_FORBIDDEN = re.compile(r'[<>:"|?*]')
_MARKUP_START = re.compile(r"\A(?:<|#!)")
_MARKUP_TAGS = re.compile(r"<(?:!doctype|html|svg|script|\?xml|iframe|body|head)\b", re.I)
_TEXT_SNIFF_LENGTH = 1024
_ALLOWED_CONTROLS = frozenset("\t\n\r\f")


class UploadRejected(Exception):
    """An upload we refuse; `message` is a German text to show the user."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


@dataclass(frozen=True)
class InspectedFile:
    kind: str  # "pdf", "docx", "odt" or "txt"
    mimetype: str
    extension: str  # without the dot; always matches `kind`
    safe_filename: str
    size: int


def inspect_upload(data: bytes, filename: str) -> InspectedFile:
    """Detect the file type from the content and check it is safe; raise UploadRejected if not."""
    if not data:
        raise UploadRejected(_l("Die Datei ist leer."))
    kind = detect_kind(data)
    return InspectedFile(
        kind=kind,
        mimetype=MIMETYPES[kind],
        extension=kind,
        safe_filename=safe_filename(filename, kind),
        size=len(data),
    )


def detect_kind(data: bytes) -> str:
    """Return the kind of an upload after checking its content, or raise UploadRejected."""
    if data.startswith(b"%PDF-"):
        check_pdf(data)
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        return check_office_zip(data)
    if data.startswith((b"PK\x05\x06", b"PK\x07\x08")):
        raise UploadRejected(_l("Die ZIP-Datei ist leer oder beschädigt."))
    check_text(data)
    return "txt"


def _unsupported() -> UploadRejected:
    return UploadRejected(
        _l(
            "Dieser Dateityp wird nicht unterstützt. Erlaubt sind PDF-, Word- (DOCX), "
            "OpenDocument- (ODT) und Textdateien."
        )
    )


def _active_content() -> UploadRejected:
    return UploadRejected(
        _l(
            "Die PDF-Datei enthält aktive Inhalte (JavaScript oder Programmaufrufe) und "
            "wird deshalb nicht angenommen. Bitte speichern Sie sie ohne diese Inhalte erneut, "
            "zum Beispiel über „Drucken als PDF“."
        )
    )


# --- PDF -----------------------------------------------------------------------------------


def check_pdf(data: bytes) -> None:
    """Refuse PDFs with JavaScript or launch actions, and PDFs we cannot read."""
    # Raw scan outside streams: finds active names even where pypdf gives up. Stream contents
    # are left out because compressed bytes contain "/JS" by chance.
    for chunk in _outside_pdf_streams(data):
        for match in _PDF_NAME.finditer(chunk):
            if _decode_pdf_name(match.group(1)) in PDF_ACTIVE_NAMES:
                raise _active_content()
    # Structural scan: also sees objects hidden in compressed object streams.
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            _decrypt_without_password(reader)
        if _pdf_has_active_content(reader):
            raise _active_content()
    except UploadRejected:
        raise
    except Exception:
        logger.warning("Refusing a PDF that pypdf cannot read", exc_info=True)
        raise UploadRejected(
            _l("Die PDF-Datei ist beschädigt oder kann nicht gelesen werden.")
        ) from None


def _outside_pdf_streams(data: bytes):
    """Yield the parts of a PDF between its streams (linear, even if "endstream" is missing)."""
    position = 0
    while (start := _PDF_STREAM_START.search(data, position)) is not None:
        yield data[position : start.start()]
        end = data.find(b"endstream", start.end())
        if end == -1:
            return
        position = end + len(b"endstream")
    yield data[position:]


def _decrypt_without_password(reader: PdfReader) -> None:
    """Open PDFs that are only restricted (empty user password); refuse real encryption."""
    try:
        opened = reader.decrypt("")
    except Exception:
        logger.info("Cannot decrypt an uploaded PDF", exc_info=True)
        opened = False
    if not opened:
        raise UploadRejected(
            _l(
                "Die PDF-Datei ist mit einem Passwort geschützt. Bitte laden Sie eine "
                "Fassung ohne Passwortschutz hoch."
            )
        )


def _decode_pdf_name(raw: bytes) -> str:
    return _PDF_HEX_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), raw).decode("latin-1")


def _pdf_has_active_content(reader: PdfReader) -> bool:
    """Tell whether any object of the PDF names JavaScript or a launch action."""
    references = [(idnum, 0) for idnum in reader.xref_objStm]
    for generation, objects in reader.xref.items():
        references.extend((idnum, generation) for idnum in objects)
    if len(references) > MAX_PDF_OBJECTS:
        raise UploadRejected(_l("Die PDF-Datei ist zu komplex, um sie sicher zu prüfen."))
    for idnum, generation in references:
        obj = reader.get_object(IndirectObject(idnum, generation, reader))
        if _pdf_object_is_active(obj, depth=0):
            return True
    return False


def _pdf_object_is_active(obj, depth: int) -> bool:
    # Indirect children are visited on their own; only direct nesting is walked here.
    if depth > 64:
        raise UploadRejected(_l("Die PDF-Datei ist zu komplex, um sie sicher zu prüfen."))
    if isinstance(obj, IndirectObject):
        return False
    if isinstance(obj, NameObject):
        return obj[1:] in PDF_ACTIVE_NAMES
    if isinstance(obj, DictionaryObject):
        return any(
            key[1:] in PDF_ACTIVE_NAMES or _pdf_object_is_active(value, depth + 1)
            for key, value in obj.items()
        )
    if isinstance(obj, ArrayObject):
        return any(_pdf_object_is_active(item, depth + 1) for item in obj)
    return False


# --- DOCX and ODT --------------------------------------------------------------------------


def open_checked_zip(data: bytes) -> zipfile.ZipFile:
    """Open a ZIP container after checking its directory for bombs, traps and encryption."""
    corrupt = UploadRejected(_l("Die Datei ist beschädigt und kann nicht geöffnet werden."))
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        raise corrupt from None
    if len(members) > MAX_ZIP_MEMBERS:
        raise UploadRejected(_l("Die Datei enthält zu viele Bestandteile."))
    bomb = UploadRejected(
        _l("Die Datei würde beim Entpacken unverhältnismäßig groß und wird nicht angenommen.")
    )
    total = 0
    names = set()
    for member in members:
        if member.flag_bits & 0x41:  # 0x1: encrypted, 0x40: strong encryption
            raise UploadRejected(
                _l(
                    "Die Datei ist verschlüsselt. Bitte laden Sie eine Fassung ohne "
                    "Passwortschutz hoch."
                )
            )
        if member.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise corrupt
        if not _is_safe_member_name(member) or member.filename in names:
            raise UploadRejected(_l("Die Datei enthält unzulässige Pfadangaben."))
        names.add(member.filename)
        total += member.file_size
        if total > MAX_ZIP_UNCOMPRESSED or (
            member.file_size > ZIP_RATIO_MIN_SIZE
            and member.file_size > MAX_ZIP_RATIO * max(member.compress_size, 1)
        ):
            raise bomb
    return archive


def _is_safe_member_name(member: zipfile.ZipInfo) -> bool:
    name = member.orig_filename
    if not name or "\x00" in name or "\\" in name or name.startswith("/"):
        return False
    if re.match(r"[A-Za-z]:", name):
        return False
    return ".." not in name.split("/")


def read_member(archive: zipfile.ZipFile, name: str, limit: int = MAX_MANIFEST_SIZE) -> bytes:
    """Read a small member of an already checked archive."""
    info = archive.getinfo(name)
    if info.file_size > limit:
        raise UploadRejected(_l("Die Datei ist beschädigt und kann nicht geöffnet werden."))
    try:
        return archive.read(info)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError):
        raise UploadRejected(
            _l("Die Datei ist beschädigt und kann nicht geöffnet werden.")
        ) from None


def check_office_zip(data: bytes) -> str:
    """Return "docx" or "odt" for a safe document, or raise UploadRejected."""
    with open_checked_zip(data) as archive:
        names = set(archive.namelist())
        lowered = {name.lower() for name in names}
        if "[Content_Types].xml" in names and "word/document.xml" in names:
            _check_docx(archive, lowered)
            return "docx"
        if "mimetype" in names and "content.xml" in names:
            if read_member(archive, "mimetype").strip() != ODT_MIMETYPE:
                raise _unsupported()
            if any(name.startswith(("basic/", "scripts/")) for name in lowered):
                raise _macros()
            _check_xml_prologs(archive)
            return "odt"
    raise _unsupported()


def _macros() -> UploadRejected:
    return UploadRejected(
        _l(
            "Dokumente mit Makros werden nicht angenommen. Bitte speichern Sie das Dokument "
            "ohne Makros (zum Beispiel als .docx oder .odt) und laden Sie es erneut hoch."
        )
    )


def _check_docx(archive: zipfile.ZipFile, lowered_names: set[str]) -> None:
    if any(name.endswith(("vbaproject.bin", "vbadata.xml")) for name in lowered_names):
        raise _macros()
    content_types = read_member(archive, "[Content_Types].xml")
    if any(word in content_types.lower() for word in (b"macroenabled", b"vbaproject", b".docm")):
        raise _macros()
    main_type = None
    for element in _parse_xml(content_types):
        if element.get("PartName", "").lower() == "/word/document.xml":
            main_type = element.get("ContentType")
    if main_type is None:
        # Without an override the part's type comes from the default for ".xml".
        for element in _parse_xml(content_types):
            if element.get("Extension", "").lower() == "xml":
                main_type = element.get("ContentType")
    if main_type != DOCX_MAIN_TYPE:
        raise _unsupported()
    _check_xml_prologs(archive)
    for name in archive.namelist():
        if name.lower().endswith(".rels"):
            _check_relationships(read_member(archive, name))


def _parse_xml(data: bytes):
    try:
        return SafeET.fromstring(data).iter()
    except (SafeET.ParseError, DefusedXmlException, ValueError):
        raise UploadRejected(
            _l("Die Datei ist beschädigt und kann nicht geöffnet werden.")
        ) from None


def _check_relationships(data: bytes) -> None:
    for element in _parse_xml(data):
        if element.get("TargetMode", "").lower() != "external":
            continue
        if element.get("Type", "").lower().endswith(_EXTERNAL_RELATIONSHIP_TYPES):
            raise UploadRejected(
                _l(
                    "Das Dokument lädt beim Öffnen Inhalte aus dem Internet nach (externe "
                    "Vorlage oder eingebettetes Objekt) und wird deshalb nicht angenommen."
                )
            )


def _check_xml_prologs(archive: zipfile.ZipFile) -> None:
    """Refuse document type declarations: office files never need them, XXE attacks do."""
    markers = (b"<!DOCTYPE", b"<!ENTITY", "<!DOCTYPE".encode("utf-16-le"))
    for info in archive.infolist():
        if not info.filename.lower().endswith((".xml", ".rels")):
            continue
        try:
            with archive.open(info) as member:
                head = member.read(4096).upper()
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError):
            raise UploadRejected(
                _l("Die Datei ist beschädigt und kann nicht geöffnet werden.")
            ) from None
        if any(marker in head for marker in markers):
            raise UploadRejected(
                _l("Die Datei enthält unzulässige XML-Deklarationen und wird nicht angenommen.")
            )


# --- Text ----------------------------------------------------------------------------------


def decode_text(data: bytes) -> str | None:
    """Decode plain text as UTF-8 (with or without BOM), else Windows-1252; None if binary."""
    if b"\x00" in data:
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            return None
    if any(unicodedata.category(char) == "Cc" and char not in _ALLOWED_CONTROLS for char in text):
        return None
    return text


def check_text(data: bytes) -> None:
    """Refuse binary data and text a browser could take for markup or a script."""
    text = decode_text(data)
    if text is None:
        raise _unsupported()
    head = text.lstrip("\ufeff \t\r\n\f")[:_TEXT_SNIFF_LENGTH]
    if _MARKUP_START.match(head) or _MARKUP_TAGS.search(head):
        raise UploadRejected(
            _l(
                "Die Datei sieht aus wie eine Web-Seite, eine SVG-Grafik, XML oder ein Skript. "
                "Solche Dateien werden nicht angenommen."
            )
        )


# --- File names ----------------------------------------------------------------------------


def safe_filename(filename: str, kind: str) -> str:
    """Return a display name without path, control characters or leading dots, ending in .kind."""
    name = unicodedata.normalize("NFC", filename or "")
    name = re.split(r"[/\\]", name)[-1]
    # Control and format characters (newlines, NUL, right-to-left overrides) go.
    name = "".join(
        " " if unicodedata.category(char) in ("Cc", "Zl", "Zp") else char
        for char in name
        if not unicodedata.category(char).startswith(("Cf", "Cs", "Co", "Cn"))
    )
    name = _FILENAME_FORBIDDEN.sub("_", name)
    name = re.sub(r"\s+", " ", name).strip(" .")
    stem, dot, suffix = name.rpartition(".")
    if not dot or not re.fullmatch(r"(?=.*[A-Za-z])[A-Za-z0-9]{1,5}", suffix):
        stem = name
    stem = stem.strip(" .")
    if stem.split(".")[0].lower() in _WINDOWS_RESERVED:
        stem = f"{stem}_"
    stem = stem[: MAX_FILENAME_LENGTH - len(kind) - 1].rstrip(" .") or "Datei"
    return f"{stem}.{kind}"
