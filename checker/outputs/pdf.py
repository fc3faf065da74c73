"""Render carbon-check's self-contained HTML reports to PDF/A-3b.

The HTML produced by the report renderer is self-contained (inline CSS, inline
SVG, ``data:`` images), so this module renders it with WeasyPrint under three
guarantees:

* **No I/O besides the HTML string.**  The URL fetcher accepts ``data:`` URLs
  only.  Anything else (``file://``, ``http(s)://``, relative or absolute
  paths such as ``/etc/passwd``) is refused *inside the fetcher*, before
  anything is opened, so no local file and no network resource can end up in a
  PDF.  WeasyPrint logs the refusal and renders without the resource.
* **No silent tofu.**  If a character has no glyph in any installed font,
  WeasyPrint draws ``.notdef`` and logs a warning; this module turns that
  warning into :class:`PdfRenderError` naming the characters.
* **PDF/A-3b with attachments.**  Each entry of ``attachments`` is embedded as
  an associated file (e.g. ``result.json`` with the machine-readable result).

Output is byte-deterministic: PDF/A makes WeasyPrint derive the file
identifier from a hash of the content, and dates are only written when known,
either from ``<meta name="dcterms.created">`` / ``<meta
name="dcterms.modified">`` in the HTML or from ``SOURCE_DATE_EPOCH``.

WeasyPrint is an optional dependency (the ``pdf`` extra); it is imported lazily
so that the rest of the package works without it.  See ``docs/pdf.md``.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from datetime import datetime, timezone
from typing import Any

from ..errors import ExtraMissing, Worded

__all__ = ["PdfRenderError", "PdfUnavailable", "html_to_pdf"]

PDF_VARIANT = "pdf/a-3b"

# Exact text logged by WeasyPrint (weasyprint/draw/text.py) when a character
# is not covered by any font:
#   '.notdef glyph rendered for Unicode string unsupported by fonts: "%s" (U+%04X)'
_NOTDEF_PREFIX = ".notdef glyph rendered"
_NOTDEF_CODEPOINT = re.compile(r"\(U\+([0-9A-Fa-f]{4,6})\)")

_WEASYPRINT_LOGGER = "weasyprint"
_LOG = logging.getLogger(__name__)
_SUBSET_CHECKED = False

# The capture handler is attached to a process-wide logger; this lock keeps
# the temporary logger-level change consistent between concurrent renders.
_LOGGER_LOCK = threading.Lock()
_ACTIVE_RENDERS = 0
_SAVED_LEVEL: int | None = None


class PdfUnavailable(ExtraMissing):
    """WeasyPrint or the system libraries it needs cannot be loaded: the message says what to install."""
    extra = "pdf"


class PdfRenderError(Worded):
    """The HTML could not be rendered faithfully: characters no installed font has a glyph for (catalogue group
    `font`)."""
    group = "font"

    def __init__(self, missing_characters: tuple[str, ...]):
        self.missing_characters = tuple(missing_characters)
        super().__init__("missing", characters=", ".join(f"{c!r} (U+{ord(c):04X})" for c in missing_characters))

    def __reduce__(self):   # rebuilt whole when a batch worker process sends it back
        return type(self), (self.missing_characters,)


def _import_weasyprint() -> Any:
    try:
        import weasyprint  # noqa: PLC0415  (lazy on purpose)
    except (ImportError, OSError) as exc:
        # ImportError: the Python package is absent.  OSError: cffi could not
        # dlopen pango/harfbuzz/fontconfig ("cannot load library ...").
        raise PdfUnavailable(exc) from exc
    _warn_if_no_harfbuzz_subset()
    return weasyprint


def _warn_if_no_harfbuzz_subset() -> None:
    """Without libharfbuzz-subset WeasyPrint falls back to fontTools for font
    subsetting: same output, but ~60x slower for CJK fonts (measured 11.5 s
    instead of 0.19 s for one A4 page).  Say so once per process."""
    global _SUBSET_CHECKED
    if _SUBSET_CHECKED:
        return
    _SUBSET_CHECKED = True
    try:
        from weasyprint.text import ffi  # noqa: PLC0415
    except Exception:  # pragma: no cover - internal layout changed
        return
    if getattr(ffi, "harfbuzz_subset", True) is None:
        _LOG.warning(
            "libharfbuzz-subset0 is not installed: PDF rendering of Chinese "
            "text will be very slow (~10 s per page); run .ci/install-pdf-deps"
        )


def _data_only_fetcher_class(weasyprint: Any) -> type:
    """Build a URLFetcher subclass that only serves ``data:`` URLs."""

    class DataOnlyURLFetcher(weasyprint.urls.URLFetcher):
        def __init__(self) -> None:
            # allowed_protocols is a second line of defence; fetch() below
            # already refuses every other scheme before doing anything.
            super().__init__(
                allowed_protocols=("data",),
                allow_redirects=False,
                fail_on_errors=False,
            )
            self.refused: list[str] = []

        def fetch(self, url: str, headers: Any = None) -> Any:
            if not url.lstrip().lower().startswith("data:"):
                self.refused.append(url)
                raise ValueError(
                    f"carbon-check renders PDF from self-contained HTML only; "
                    f"refused to load non-data: URL {url!r}"
                )
            return super().fetch(url, headers)

    return DataOnlyURLFetcher


class _GlyphWarningCollector(logging.Handler):
    """Collects WeasyPrint's .notdef warnings emitted by the current thread."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self._thread = threading.get_ident()
        self.missing: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread != self._thread:
            return  # another render running concurrently in another thread
        try:
            message = record.getMessage()
        except Exception:  # pragma: no cover - malformed record
            return
        if not message.startswith(_NOTDEF_PREFIX):
            return
        match = _NOTDEF_CODEPOINT.search(message)
        if match:
            char = chr(int(match.group(1), 16))
        elif record.args:
            char = str(record.args[0])
        else:  # pragma: no cover - message format changed
            char = "\ufffd"
        if char not in self.missing:
            self.missing.append(char)


class _capture_glyph_warnings:
    """Context manager: attach a collector to the ``weasyprint`` logger.

    If the application silenced the logger (effective level above WARNING)
    the level is lowered to WARNING while rendering, otherwise the warning
    would never reach the handler.  The previous level is restored after the
    last concurrent render ends.
    """

    def __enter__(self) -> _GlyphWarningCollector:
        global _ACTIVE_RENDERS, _SAVED_LEVEL
        self.logger = logging.getLogger(_WEASYPRINT_LOGGER)
        self.collector = _GlyphWarningCollector()
        with _LOGGER_LOCK:
            if _ACTIVE_RENDERS == 0 and self.logger.getEffectiveLevel() > logging.WARNING:
                _SAVED_LEVEL = self.logger.level
                self.logger.setLevel(logging.WARNING)
            _ACTIVE_RENDERS += 1
            self.logger.addHandler(self.collector)
        return self.collector

    def __exit__(self, *exc_info: object) -> None:
        global _ACTIVE_RENDERS, _SAVED_LEVEL
        with _LOGGER_LOCK:
            self.logger.removeHandler(self.collector)
            _ACTIVE_RENDERS -= 1
            if _ACTIVE_RENDERS == 0 and _SAVED_LEVEL is not None:
                self.logger.setLevel(_SAVED_LEVEL)
                _SAVED_LEVEL = None


def _source_date_epoch() -> datetime | None:
    value = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not value:
        return None
    try:
        return datetime.fromtimestamp(int(value), tz=timezone.utc)
    except (ValueError, OverflowError, OSError):
        return None


def _w3c_to_datetime(value: str | None) -> datetime | None:
    """Parse a W3C date (as kept by WeasyPrint's metadata) to aware UTC."""
    if not value:
        return None
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    # W3C allows "YYYY" and "YYYY-MM"; fromisoformat needs a full date.
    if re.fullmatch(r"\d{4}", text):
        text += "-01-01"
    elif re.fullmatch(r"\d{4}-\d{2}", text):
        text += "-01"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


def _drop_unknown_attachment_dates(pdf: Any) -> None:
    """Remove the wall-clock dates WeasyPrint puts on embedded files.

    Used when no document date is known, so that output stays deterministic.
    CreationDate/ModDate in an embedded file's Params are optional (PDF 1.7
    table 46).
    """
    for obj in pdf.objects:
        extra = getattr(obj, "extra", None)
        if not isinstance(extra, dict) or extra.get("Type") != "/EmbeddedFile":
            continue
        params = extra.get("Params")
        if isinstance(params, dict):
            params.pop("CreationDate", None)
            params.pop("ModDate", None)


def html_to_pdf(
    html: str,
    *,
    attachments: dict[str, bytes] | None = None,
    title: str | None = None,
) -> bytes:
    """Render self-contained ``html`` to PDF/A-3b bytes.

    :param html: the complete HTML document.  Only ``data:`` URLs are loaded;
        any other reference is refused and rendered as missing.
    :param attachments: ``{file name: content}`` embedded as PDF/A-3 associated
        files (AFRelationship ``Data``), e.g. ``{"result.json": b"{...}"}``.
    :param title: document title; overrides the HTML ``<title>``.
    :raises PdfUnavailable: WeasyPrint or its system libraries are missing.
    :raises PdfRenderError: a character could not be rendered with any
        installed font (it would otherwise appear as an empty box).
    """
    weasyprint = _import_weasyprint()
    fetcher = _data_only_fetcher_class(weasyprint)()

    with _capture_glyph_warnings() as collector:
        document = weasyprint.HTML(string=html, url_fetcher=fetcher).render(
            pdf_variant=PDF_VARIANT
        )
        metadata = document.metadata
        if title is not None:
            metadata.title = title

        # Dates: HTML <meta name=dcterms.*> wins, then SOURCE_DATE_EPOCH;
        # otherwise no date at all (never the wall clock) => deterministic.
        epoch = _source_date_epoch()
        if epoch is not None:
            iso = epoch.strftime("%Y-%m-%dT%H:%M:%SZ")
            metadata.created = metadata.created or iso
            metadata.modified = metadata.modified or metadata.created
        stamp = _w3c_to_datetime(metadata.modified) or _w3c_to_datetime(
            metadata.created
        )

        pdf_attachments = []
        for name, content in (attachments or {}).items():
            if not isinstance(content, (bytes, bytearray)):
                raise TypeError(f"attachment {name!r} must be bytes")
            # WeasyPrint writes naive datetimes followed by "Z": give UTC.
            naive_utc = stamp.replace(tzinfo=None) if stamp else datetime(1970, 1, 1)
            pdf_attachments.append(
                weasyprint.Attachment(
                    string=bytes(content),
                    name=name,
                    url_fetcher=fetcher,
                    created=naive_utc,
                    modified=naive_utc,
                    relationship="Data",
                )
            )

        finisher = None if stamp else (lambda _doc, pdf: _drop_unknown_attachment_dates(pdf))
        pdf_bytes = document.write_pdf(
            pdf_variant=PDF_VARIANT,
            attachments=pdf_attachments or None,
            finisher=finisher,
        )

    if collector.missing:
        raise PdfRenderError(tuple(collector.missing))
    return pdf_bytes
