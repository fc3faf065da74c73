"""Tests for checker.outputs.pdf (needs the 'pdf' extra; skipped without it)."""

from __future__ import annotations

import base64
import io
import logging
import re
import shutil
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

weasyprint = pytest.importorskip("weasyprint")

from checker.outputs import pdf as pdfmod  # noqa: E402
from checker.outputs.pdf import PdfRenderError, PdfUnavailable, html_to_pdf  # noqa: E402

CHINESE = "零碳工厂评价报告 五星 抵消比例 62.5%"
EGYPTIAN_A1 = "\U00013000"  # EGYPTIAN HIEROGLYPH A001: no Debian font we install has it


@pytest.fixture()
def uncovered():
    """Skip if some installed font (e.g. fonts-noto-extra) covers the
    codepoints these tests rely on being uncovered."""
    fc_list = shutil.which("fc-list")
    if fc_list:
        for codepoint in ("13000", "10900"):
            covered = subprocess.run(
                [fc_list, f":charset={codepoint}", "family"],
                capture_output=True, text=True, check=False,
            ).stdout.strip()
            if covered:
                pytest.skip(f"an installed font covers U+{codepoint}: {covered}")
    return EGYPTIAN_A1


def expand(pdf: bytes) -> bytes:
    """Raw PDF bytes followed by every Flate stream, decompressed.

    WeasyPrint compresses content and object streams, so dictionaries
    (attachment names, image sizes) only show up after decompression.
    """
    parts = [pdf]
    for match in re.finditer(rb"stream\r?\n", pdf):
        try:
            parts.append(zlib.decompressobj().decompress(pdf[match.end():]))
        except zlib.error:
            pass
    return b"\n".join(parts)


def page(body: str, head: str = "") -> str:
    return (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>报告</title>{head}</head><body>{body}</body></html>"
    )


def png_bytes(width: int, height: int) -> bytes:
    from PIL import Image  # Pillow is a WeasyPrint dependency

    out = io.BytesIO()
    Image.new("RGB", (width, height), (10, 120, 60)).save(out, format="PNG")
    return out.getvalue()


# --------------------------------------------------------------------------
# basics


def test_returns_pdf_a3b():
    pdf = html_to_pdf(page(f"<h1>{CHINESE}</h1>"))
    assert pdf.startswith(b"%PDF-1.7")
    expanded = expand(pdf)
    # PDF/A identification in the XMP metadata: part 3, conformance B.
    assert re.search(rb'pdfaid:part="3"|<pdfaid:part>3<', expanded)
    assert re.search(rb'pdfaid:conformance="B"|<pdfaid:conformance>B<', expanded)
    assert b"/OutputIntents" in expanded


def test_title_overrides_html_title():
    pdf = html_to_pdf(page("<p>x</p>"), title="Carbon check ABC-123")
    assert b"Carbon check ABC-123" in expand(pdf)


def test_missing_weasyprint_raises_pdf_unavailable(monkeypatch):
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # import -> ImportError
    with pytest.raises(PdfUnavailable) as info:
        html_to_pdf(page("<p>x</p>"))
    message = str(info.value)
    assert "carbon-check[pdf]" in message
    assert "fonts-noto-cjk" in message and "libharfbuzz-subset0" in message


def test_missing_system_library_raises_pdf_unavailable(monkeypatch):
    # The real translation code path: make "import weasyprint" raise OSError.
    class Finder:
        def find_spec(self, name, path=None, target=None):
            if name == "weasyprint":
                raise OSError("cannot load library 'pango-1.0-0'")
            return None

    monkeypatch.delitem(sys.modules, "weasyprint")
    monkeypatch.setattr(sys, "meta_path", [Finder(), *sys.meta_path])
    with pytest.raises(PdfUnavailable, match="pango-1.0-0"):
        html_to_pdf(page("<p>x</p>"))


# --------------------------------------------------------------------------
# attachments


def test_attachment_is_embedded_with_name_and_content():
    content = b'{"rating": "five-stars", "offset_ratio": 62.5, "id": "att-7f3a9c"}'
    pdf = html_to_pdf(page(f"<p>{CHINESE}</p>"), attachments={"result.json": content})
    expanded = expand(pdf)
    assert b"result.json" in expanded
    assert content in expanded
    assert b"/EmbeddedFile" in expanded
    assert b"/application#2fjson" in expanded
    # PDF/A-3: associated file with a relationship, listed in the catalog /AF.
    assert b"/AFRelationship /Data" in expanded
    assert b"/AF [" in expanded


def test_several_attachments():
    pdf = html_to_pdf(
        page("<p>x</p>"),
        attachments={"result.json": b'{"a": "first-9c1"}', "trace.csv": b"k,v\nsecond-4d2,1\n"},
    )
    expanded = expand(pdf)
    for needle in (b"result.json", b"trace.csv", b'{"a": "first-9c1"}', b"second-4d2,1"):
        assert needle in expanded


def test_attachment_must_be_bytes():
    with pytest.raises(TypeError):
        html_to_pdf(page("<p>x</p>"), attachments={"result.json": "not bytes"})  # type: ignore[dict-item]


# --------------------------------------------------------------------------
# URL fetcher: data: only


@pytest.fixture()
def local_resources(tmp_path: Path):
    """Local files that default WeasyPrint would happily read."""
    secret = tmp_path / "secret.txt"
    secret.write_bytes(b"TOP-SECRET-8d41f0c2e6")
    css = tmp_path / "style.css"
    css.write_text("@page { size: 123mm 77mm }")  # -> MediaBox 348.66 x 218.27
    png = tmp_path / "pic.png"
    png.write_bytes(png_bytes(37, 41))
    head = (
        f'<link rel="stylesheet" href="{css.as_uri()}">'
        f'<link rel="stylesheet" href="{css}">'
        '<link rel="stylesheet" href="/etc/passwd">'
        '<link rel="stylesheet" href="file:///etc/passwd">'
        f'<link rel="attachment" href="{secret.as_uri()}">'
        '<link rel="attachment" href="file:///etc/hostname">'
    )
    body = (
        f'<img src="{png.as_uri()}"><img src="{png}">'
        '<img src="file:///etc/hostname"><img src="/etc/hostname">'
        '<img src="relative.png">'
        '<img src="http://127.0.0.1:9/remote.png">'
        f"<p>{CHINESE}</p>"
    )
    return page(body, head), tmp_path.as_uri() + "/"


def leaks(pdf: bytes) -> list[str]:
    expanded = expand(pdf)
    found = []
    if b"TOP-SECRET-8d41f0c2e6" in expanded:
        found.append("secret attachment")
    if b"348.66" in expanded:
        found.append("local stylesheet")
    if re.search(rb"/Width 37\b", expanded):
        found.append("local image")
    return found


def test_control_default_weasyprint_reads_local_files(local_resources):
    """Proves the leak detectors work: stock WeasyPrint does read the files."""
    html, base_url = local_resources
    pdf = weasyprint.HTML(string=html, base_url=base_url).write_pdf()
    assert set(leaks(pdf)) == {"secret attachment", "local stylesheet", "local image"}


def test_local_files_and_network_are_refused(local_resources, monkeypatch, caplog):
    html, _ = local_resources
    import socket
    import urllib.request

    opened = []
    real_file_open = urllib.request.FileHandler.file_open

    def spy_file_open(self, req):
        opened.append(req.full_url)
        return real_file_open(self, req)

    def no_network(*args, **kwargs):
        opened.append(("socket", args))
        raise OSError("network disabled in test")

    monkeypatch.setattr(urllib.request.FileHandler, "file_open", spy_file_open)
    monkeypatch.setattr(socket, "create_connection", no_network)

    with caplog.at_level(logging.ERROR, logger="weasyprint"):
        pdf = html_to_pdf(html)

    assert opened == []  # nothing was opened, not even attempted
    assert leaks(pdf) == []
    assert b"TOP-SECRET" not in pdf
    hostname = Path("/etc/hostname").read_bytes().strip() if Path("/etc/hostname").exists() else b""
    if len(hostname) >= 6:  # short names ("vm") occur by chance in binary data
        assert hostname not in expand(pdf)
    assert b"root:x:0:0" not in expand(pdf)
    assert "refused to load non-data: URL" in caplog.text


def test_fetcher_refuses_everything_but_data_urls():
    fetcher = pdfmod._data_only_fetcher_class(weasyprint)()
    for url in (
        "file:///etc/hostname",
        "FILE:///etc/passwd",
        "http://127.0.0.1:9/x",
        "https://example.invalid/x.css",
        "ftp://example.invalid/x",
        "/etc/hostname",
        "relative.png",
    ):
        with pytest.raises(ValueError, match="refused"):
            fetcher.fetch(url)
    assert len(fetcher.refused) == 7
    response = fetcher.fetch("data:text/plain;base64," + base64.b64encode(b"hi").decode())
    assert response.read() == b"hi"


def test_data_url_image_still_works():
    uri = "data:image/png;base64," + base64.b64encode(png_bytes(37, 41)).decode()
    pdf = html_to_pdf(page(f'<img src="{uri}"><p>{CHINESE}</p>'))
    assert re.search(rb"/Width 37\b", expand(pdf))
    assert re.search(rb"/Height 41\b", expand(pdf))


def test_data_url_stylesheet_still_works():
    css = base64.b64encode(b"@page { size: 123mm 77mm }").decode()
    pdf = html_to_pdf(page("<p>x</p>", f'<link rel="stylesheet" href="data:text/css;base64,{css}">'))
    assert b"348.66" in expand(pdf)


# --------------------------------------------------------------------------
# glyphs


def test_chinese_renders_without_missing_glyph_warning(caplog):
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        pdf = html_to_pdf(page(f"<h1>{CHINESE}</h1><p>{CHINESE * 20}</p>"))
    assert ".notdef" not in caplog.text
    assert pdf.startswith(b"%PDF")
    # A CJK font is embedded (fonts-noto-cjk).
    assert re.search(rb"/FontName /[A-Z]{6}\+Noto-(Sans|Serif)(-Mono)?-CJK", expand(pdf))


def test_chinese_in_inline_svg_renders():
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="300" height="60">'
        f'<text x="5" y="30" font-size="20">{CHINESE}</text></svg>'
    )
    assert html_to_pdf(page(svg)).startswith(b"%PDF")


def test_uncovered_character_raises_render_error(uncovered):
    with pytest.raises(PdfRenderError) as info:
        html_to_pdf(page(f"<p>{CHINESE} {EGYPTIAN_A1} {EGYPTIAN_A1}</p>"))
    assert "U+13000" in str(info.value)
    assert info.value.missing_characters == (EGYPTIAN_A1,)


def test_uncovered_characters_are_all_named(uncovered):
    with pytest.raises(PdfRenderError) as info:
        html_to_pdf(page("<p>a\U00013000b\U00010900c</p>"))
    assert info.value.missing_characters == ("\U00013000", "\U00010900")
    assert "U+13000" in str(info.value) and "U+10900" in str(info.value)


def test_uncovered_character_in_svg_raises_render_error(uncovered):
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="300" height="60">'
        f'<text x="5" y="30">{EGYPTIAN_A1}</text></svg>'
    )
    with pytest.raises(PdfRenderError, match="U\\+13000"):
        html_to_pdf(page(svg))


def test_missing_glyph_detected_even_if_weasyprint_logger_silenced(uncovered):
    logger = logging.getLogger("weasyprint")
    old = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        with pytest.raises(PdfRenderError):
            html_to_pdf(page(f"<p>{EGYPTIAN_A1}</p>"))
        assert logger.level == logging.CRITICAL  # restored
        assert not any(isinstance(h, pdfmod._GlyphWarningCollector) for h in logger.handlers)
    finally:
        logger.setLevel(old)


def test_handler_removed_after_success_and_failure(uncovered):
    logger = logging.getLogger("weasyprint")
    before = list(logger.handlers)
    html_to_pdf(page("<p>ok</p>"))
    with pytest.raises(PdfRenderError):
        html_to_pdf(page(f"<p>{EGYPTIAN_A1}</p>"))
    assert logger.handlers == before


# --------------------------------------------------------------------------
# determinism


def test_output_is_byte_identical_without_dates(monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    html = page(f"<h1>{CHINESE}</h1>")
    first = html_to_pdf(html, attachments={"result.json": b"{}"})
    second = html_to_pdf(html, attachments={"result.json": b"{}"})
    assert first == second
    assert b"CreationDate" not in expand(first)  # never the wall clock


def test_output_is_byte_identical_with_source_date_epoch(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # 2023-11-14T22:13:20Z
    html = page(f"<h1>{CHINESE}</h1>")
    first = html_to_pdf(html, attachments={"result.json": b"{}"})
    second = html_to_pdf(html, attachments={"result.json": b"{}"})
    assert first == second
    expanded = expand(first)
    assert b"D:20231114221320" in expanded  # Info dict and attachment Params
    assert b"2023-11-14T22:13:20Z" in expanded  # XMP


def test_html_dcterms_date_wins_over_source_date_epoch(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    html = page("<p>x</p>", '<meta name="dcterms.created" content="2024-03-05T08:09:10Z">')
    pdf = html_to_pdf(html, attachments={"result.json": b"{}"})
    expanded = expand(pdf)
    assert b"D:20240305080910" in expanded
    assert pdf == html_to_pdf(html, attachments={"result.json": b"{}"})


def test_different_content_gives_different_identifier():
    a = html_to_pdf(page("<p>a</p>"))
    b = html_to_pdf(page("<p>b</p>"))
    id_a = re.search(rb"/ID \[([(<][0-9a-f]+[)>])", a)
    id_b = re.search(rb"/ID \[([(<][0-9a-f]+[)>])", b)
    assert id_a and id_b and id_a.group(1) != id_b.group(1)
