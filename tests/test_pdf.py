"""The book as PDF (lib.pdf, `make pdf`): the Almgren–Chriss chapter is printed from the built
book (_build/html, from `make book`) by headless Chromium and read back with poppler:
pdftotext for its text (every figure and table number with its caption, no raw TeX, a sane
page count, the references), pdftoppm for its pages as images (none blank, the figures drawn),
pypdf for its outline, links and metadata.

Tests marked `browser` need Chromium (apt-get install chromium) and poppler (apt-get install
poppler-utils) and are skipped without them."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import unicodedata
from html import unescape
from pathlib import Path

import numpy as np
import pytest
import yaml
from PIL import Image
from pypdf import PdfReader

from lib import book, browser, chapters, pdf
from lib.figures import ROOT

HTML = ROOT / "_build" / "html"
NOT_BUILT = "the book is not built: run `make book` first"
CHAPTER = "almgren_chriss"
POPPLER = ("pdftotext", "pdftoppm")


def test_the_pages_are_those_of_the_table_of_contents_in_its_order() -> None:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [entry["file"] for part in toc["parts"] for chapter in part["chapters"]
             for entry in [chapter, *chapter.get("sections", [])]]
    order = pdf.book_pages()
    assert order[0] == ("index.html", 0)
    assert [page for page, _ in order[1:]] == [f"{file}.html" for file in files]
    nested = [page for page, depth in order if depth == 1]
    assert nested == [f"book/{page}.html" for page in chapters.PAGES["liquidity_pools"]]
    every_page = {f"book/{page}.html" for page in chapters.names()}
    assert every_page <= {page for page, _ in order}
    assert pdf.chapter_pages("liquidity_pools") == [
        "book/liquidity_pools.html", *(f"book/{p}.html" for p in chapters.PAGES["liquidity_pools"])]


def test_links_to_the_book_s_files_are_told_from_other_addresses(tmp_path) -> None:
    html = tmp_path / "html"
    page = (html / "book" / "a b.html").as_uri()
    assert pdf._target(f"{page}#the-model", html) == ("book/a b.html", "the-model")
    assert pdf._target((html / "index.html").as_uri(), html) == ("index.html", "")
    assert pdf._target((tmp_path / "elsewhere.html").as_uri(), html) is None
    assert pdf._target("https://arxiv.org/abs/2409.03586", html) is None


def test_a_chapter_page_gets_its_chapter_s_pdf_link_under_its_title() -> None:
    notebook = {"cells": [{"cell_type": "code", "source": "# a comment, not a title"},
                          {"cell_type": "markdown", "source": ["(label)=\n", "# Title\n", "\n",
                                                               "Text."]}]}
    staged = json.loads(book.with_pdf_link(json.dumps(notebook).encode(),
                                           "liquidity_pools_bayes"))
    lines = staged["cells"][1]["source"].split("\n")
    assert lines[:5] == ["(label)=", "# Title", "",
                         book.PDF_LINK.format(chapter="liquidity_pools"), ""]
    assert lines[5:] == ["Text."]
    assert staged["cells"][0] == notebook["cells"][0]
    untitled = {"cells": [{"cell_type": "markdown", "source": "## Section"}]}
    with pytest.raises(ValueError, match="no title"):
        book.with_pdf_link(json.dumps(untitled).encode(), "almgren_chriss")


def test_every_chapter_page_links_to_its_pdf_which_make_pdf_wrote() -> None:
    if not (HTML / "index.html").exists():
        pytest.skip(NOT_BUILT)
    links = {page: re.findall(r'<a href="\.\./pdf/([a-z_]+\.pdf)">',
                              (HTML / "book" / f"{page}.html").read_text(encoding="utf-8"))
             for page in chapters.names()}
    assert links == {page: [f"{chapters.chapter_of(page)}.pdf", pdf.BOOK_PDF]
                     for page in chapters.names()}
    if (HTML / pdf.LINKED).exists():  # after `make pdf`: the links lead to the PDFs
        targets = {name for names in links.values() for name in names}
        assert {name for name in targets if not (HTML / pdf.LINKED / name).is_file()} == set()


def _tools() -> None:
    if not (HTML / "index.html").exists():
        pytest.skip(NOT_BUILT)
    if browser.find_chromium() is None:
        pytest.skip(f"Chromium not found: {browser.INSTALL_HINT}")
    if missing := [tool for tool in POPPLER if shutil.which(tool) is None]:
        pytest.skip(f"{', '.join(missing)} not found: apt-get install poppler-utils")


@pytest.fixture(scope="module")
def chapter_pdf(tmp_path_factory) -> Path:
    _tools()
    out = tmp_path_factory.mktemp("pdf")
    assert pdf.write(HTML, out, [CHAPTER]) == [out / f"{CHAPTER}.pdf"]
    return out / f"{CHAPTER}.pdf"


def _text(path: Path, page: int | None = None) -> str:
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return subprocess.run(["pdftotext", *pages, str(path), "-"], check=True,
                          capture_output=True, text=True).stdout


def _words(text: str) -> str:
    """Whitespace collapsed and ligatures (ﬁ) undone."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


def _captions(kind: str) -> dict[str, str]:
    """The numbers ("Fig. 1.3") and first words of the captions of kind "Fig." or "Table" on
    the chapter's HTML page."""
    html = (HTML / "book" / f"{CHAPTER}.html").read_text(encoding="utf-8")
    found = re.findall(rf'<span class="caption-number">({kind} [0-9.]+) </span>'
                       r'<span class="caption-text">(.*?)</span>', html, flags=re.S)
    plain = {number: _words(unescape(re.sub(r"<[^>]+>", "", text))) for number, text in found}
    # the first words before any formula (typeset formulas come out as glyphs, not TeX)
    return {number: " ".join(re.split(r"\\\(|\\\[", text)[0].split()[:6])
            for number, text in plain.items()}


@pytest.mark.browser
def test_the_chapter_pdf_has_its_figures_tables_and_references_and_no_raw_tex(
        chapter_pdf) -> None:
    text = _words(_text(chapter_pdf))
    figures, tables = _captions("Fig."), _captions("Table")
    assert len(figures) >= 7 and len(tables) >= 1
    missing = {number: words for number, words in {**figures, **tables}.items()
               if f"{number} {words}" not in text}
    assert missing == {}
    assert [d for d in ("\\(", "\\)", "\\[", "\\]", "$$") if d in text] == []
    pages = len(PdfReader(chapter_pdf).pages)
    assert 10 <= pages <= 60, pages
    references = text[text.rindex("References"):]
    assert "Almgren and Neil Chriss. Optimal execution of portfolio transactions" in references
    assert "MaverickQuant. Competitive trading, part 1" in references


@pytest.mark.browser
def test_the_chapter_pdf_is_numbered_and_linked_as_the_html(chapter_pdf) -> None:
    reader = PdfReader(chapter_pdf)
    title, sections = reader.outline[0], reader.outline[1]
    assert title.title == "1. Almgren–Chriss by dynamic programming"
    html = (HTML / "book" / f"{CHAPTER}.html").read_text(encoding="utf-8")
    h2 = [_words(unescape(re.sub(r"<[^>]+>", "", h)))
          for h in re.findall(r"<h2>(.*?)<a class=\"headerlink\"", html)]
    assert [item.title for item in sections if not isinstance(item, list)] == [
        *h2, "References"]
    assert h2[0] == "1.1. Parameters"
    starts = [reader.get_destination_page_number(item) for item in sections
              if not isinstance(item, list)]
    assert starts == sorted(starts) and starts[-1] == len(reader.pages) - 1
    actions: dict[str, list] = {}
    for number, page in enumerate(reader.pages):
        for annotation in (a.get_object() for a in page.get("/Annots", [])):
            if annotation.get("/Subtype") != "/Link":
                continue
            if "/Dest" in annotation:
                target = reader.get_page_number(annotation["/Dest"][0].get_object())
                actions.setdefault("within", []).append((number, target))
            else:
                action = annotation["/A"].get_object()
                actions.setdefault(str(action["/S"]), []).append(
                    str(action.get("/URI", "")) or (str(action["/F"]), str(action["/D"])))
    assert set(actions) <= {"within", "/URI", "/GoToR"}
    assert len(actions["within"]) > 50
    assert all(0 <= target < len(reader.pages) for _, target in actions["within"])
    assert all(uri.startswith("https://") for uri in actions["/URI"])
    assert ("book.pdf", "index.html#provenance-tags") in actions["/GoToR"]
    commit = re.search(r'<div class="extra_footer">.*?<code>([0-9a-f]{40})</code>', html, re.S)
    assert reader.metadata.subject.endswith(f"built from commit {commit[1]}")


@pytest.mark.browser
def test_the_chapter_pdf_pages_render_none_blank_and_the_figures_drawn(
        chapter_pdf, tmp_path) -> None:
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(chapter_pdf), str(tmp_path / "p")],
                   check=True)
    images = sorted(tmp_path.glob("p-*.png"))
    assert len(images) == len(PdfReader(chapter_pdf).pages)
    pixels = [np.asarray(Image.open(image).convert("RGB"), dtype=int) for image in images]
    inked = [float((p.min(axis=2) < 200).mean()) for p in pixels]
    assert min(inked) > 0.005, inked  # no blank page
    # The figures' curves are drawn in colour (text and code are black, grey or light):
    # the page captioned "Fig. 1.1" holds strongly coloured pixels.
    first = next(number for number in range(1, len(images) + 1)
                 if "Fig. 1.1 " in _text(chapter_pdf, number))
    page = pixels[first - 1]
    colour = (page.max(axis=2) - page.min(axis=2)) > 100
    assert colour.mean() > 0.002, colour.mean()


@pytest.mark.browser
def test_a_page_that_would_print_broken_stops_the_pdf_before_anything_is_written(
        tmp_path) -> None:
    _tools()
    html = tmp_path / "html"
    html.mkdir()
    for entry in HTML.iterdir():
        (html / entry.name).symlink_to(entry)
    (html / "book").unlink()
    (html / "book").mkdir()
    for page in (HTML / "book").iterdir():
        (html / "book" / page.name).symlink_to(page)
    broken = html / "book" / f"{CHAPTER}.html"
    broken.unlink()
    text = (HTML / "book" / f"{CHAPTER}.html").read_text(encoding="utf-8")
    section = '<section id="parameters">'
    assert section in text
    broken.write_text(text.replace(section, r"<p>\(x^2 left raw</p>" + section),
                      encoding="utf-8")
    out = tmp_path / "pdf"
    with pytest.raises(RuntimeError, match=r"almgren_chriss\.html: raw TeX delimiters"):
        pdf.write(html, out, [CHAPTER])
    assert not out.exists() or list(out.iterdir()) == []
