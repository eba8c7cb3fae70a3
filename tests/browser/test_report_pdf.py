"""The LOTI report printed to PDF by headless Chromium (``page.pdf()``), as a user's "Save as PDF"
would: more than one page, a first page full of the report (not blank), page numbers in the footer,
no heading left at the foot of a page, absolute links, and notice addresses printed after links.

The PDF is read with a minimal reader written here (no PDF library is pinned): Chromium's PDFs keep
each page's text in Flate-compressed content streams, in glyph ids that each font's ToUnicode
map turns back into text. Text comes out in paint order, which for this report is reading order,
with the page's margin boxes (header and footer) first.
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from urllib.parse import quote, urlsplit

import pytest

pytestmark = pytest.mark.browser

RB = "Revenues and Benefits"


# --------------------------------------------------------------------------- a minimal PDF text reader


def _objects(data: bytes) -> dict[int, bytes]:
    return {int(n): body for n, body in re.findall(rb"(\d+) 0 obj\s*(.*?)endobj", data, re.S)}


def _stream(body: bytes) -> bytes:
    raw = re.search(rb"stream\r?\n(.*)endstream", body, re.S).group(1)
    return zlib.decompress(raw) if b"/FlateDecode" in body else raw


def _cmap(text: bytes) -> dict[int, str]:
    """A ToUnicode map: glyph id -> text (bfchar pairs and bfrange runs)."""
    out: dict[int, str] = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", text, re.S):
        for src, dst in re.findall(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block):
            out[int(src, 16)] = bytes.fromhex(dst.decode()).decode("utf-16-be")
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", text, re.S):
        for lo, hi, dst in re.findall(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block):
            for i, code in enumerate(range(int(lo, 16), int(hi, 16) + 1)):
                out[code] = chr(int(dst, 16) + i)
    return out


def _fonts(objs: dict[int, bytes], page: bytes) -> dict[str, dict[int, str]]:
    found = re.search(rb"/Font <<(.*?)>>", page, re.S)
    out = {}
    for name, ref in re.findall(rb"/(\w+) (\d+) 0 R", found.group(1)) if found else []:
        to_unicode = re.search(rb"/ToUnicode (\d+) 0 R", objs[int(ref)])
        out[name.decode()] = _cmap(_stream(objs[int(to_unicode.group(1))])) if to_unicode else {}
    return out


def pdf_pages(data: bytes) -> list[str]:
    """The text of each page, in order (runs joined without spaces: enough to find words)."""
    objs = _objects(data)
    tree = next(body for body in objs.values() if b"/Type /Pages" in body)
    kids = [int(n) for n in re.findall(rb"(\d+) 0 R", re.search(rb"/Kids \[(.*?)\]", tree, re.S).group(1))]
    out = []
    for num in kids:
        fonts, font, runs = _fonts(objs, objs[num]), {}, []
        contents = re.search(rb"/Contents (\[.*?\]|\d+ 0 R)", objs[num], re.S).group(1)
        for ref in re.findall(rb"(\d+) 0 R", contents):
            ops = rb"/(\w+) [\d.]+ Tf|<([0-9a-fA-F]*)> Tj|\[(.*?)\] TJ"
            for m in re.finditer(ops, _stream(objs[int(ref)]), re.S):
                if m.group(1):
                    font = fonts.get(m.group(1).decode(), {})
                    continue
                hexes = [m.group(2)] if m.group(2) is not None else re.findall(rb"<([0-9a-fA-F]*)>", m.group(3))
                runs += [font.get(int(h[i : i + 4], 16), "?") for h in hexes for i in range(0, len(h), 4)]
        out.append("".join(runs))
    return out


# --------------------------------------------------------------------------- the test


def _squash(text: str) -> str:
    """Text without white space or ligatures: a PDF's words are positioned glyphs ('ﬁ' one of them),
    and spaces are not always there."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def test_the_report_prints_to_a_pdf_one_can_send(page, live_app, tmp_path):
    base, _ = live_app
    response = page.request.get(f"{base}/report/html?service_area={quote(RB)}")
    assert response.ok
    html = response.text()
    link = re.search(r'<a href="([^"]+)" id="report-link">', html).group(1)
    assert urlsplit(link)._replace(query="").geturl() == f"{base}/reports"  # absolute: works in an email
    notices = re.findall(r'<td><a href="(https?://[^"]+)">Notice</a></td>', html)
    headings = [re.sub(r"<[^>]+>", "", h) for h in re.findall(r"<h[23][^>]*>(.*?)</h[23]>", html)]
    assert notices and len(headings) > 5

    page.set_content(html)
    pdf = page.pdf(format="A4", prefer_css_page_size=True)
    (tmp_path / "report.pdf").write_bytes(pdf)
    pages = [_squash(p) for p in pdf_pages(pdf)]
    assert len(pages) > 1
    for n, text in enumerate(pages, start=1):
        assert f"Page{n}of{len(pages)}" in text  # the footer's page numbers
        assert _squash(f"Market engagement report: {RB}") in text  # the header line
    first = pages[0]
    assert _squash("Summary") in first and len(first) > 1000  # page 1 is the report, not white space
    for n, text in enumerate(pages[:-1], start=1):
        stranded = [h for h in headings if text.endswith(_squash(h))]
        assert not stranded, f"heading {stranded} is the last thing on page {n}"
    everything = "".join(pages)
    assert _squash(f"<{notices[0]}>") in everything  # printed, a notice link shows its address
    assert _squash(link) in everything
