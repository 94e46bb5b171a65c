"""The book as PDF, printed from its HTML by headless Chromium: ``make pdf``.

``python -m lib.pdf [--html DIR] [--out DIR] [--chapter NAME ...]``
    Reads the book that ``make book`` built (``_build/html``; nothing is executed) and writes
    ``_build/pdf/book.pdf``, the whole book in the order of ``_toc.yml``, and one
    ``<chapter>.pdf`` per chapter (all of its pages), both copied to ``_build/html/pdf/``, the
    folder each chapter page links to. ``--chapter`` writes those chapters only, no book.

Each page is opened in ``lib.browser``'s Chromium (no network) in print media, where the book's
print style applies (``@media print`` in ``book/style.css``: no navigation, the text over the
page's width, code wrapped), and checked as the browser test checks the site (formulas typeset,
images and fonts loaded, no raw TeX): a page with a problem stops the command before anything is
written. A page that cites gets a *References* section at its end with the entries it cites (in
the HTML the bibliography is on the landing page). Chromium prints it on pages of 210 × 297 mm
with a footer (the page's title and page number); pypdf then joins the pages of each PDF and
rewrites its links: to a place in the same PDF, a link within it; to another page of the book, a
link into ``book.pdf`` beside it (by a named destination ``<page>.html#<id>``); to a local file
that is not a page of the book (a figure's download), no link; web links are kept. The outline
(bookmarks) lists the headings, numbered as in the HTML.
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from itertools import accumulate
from pathlib import Path
from urllib.parse import unquote, urlsplit

import yaml
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    Fit,
    FloatObject,
    IndirectObject,
    NameObject,
    NullObject,
    TextStringObject,
)

from lib import browser, chapters
from lib.figures import ROOT
from lib.progress import bar

HTML = ROOT / "_build" / "html"
OUT = ROOT / "_build" / "pdf"
BOOK_PDF = "book.pdf"
LINKED = "pdf"  # _build/html/pdf/: where the chapter pages link to their PDFs (lib.book)
_CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
BOOK_TITLE, AUTHOR = _CONFIG["title"], _CONFIG["author"]

# The footer of every printed page (Chromium fills the spans); the page's margins, in
# book/style.css's @page rule, leave it room.
FOOTER = ("<div style='width: 100%; padding: 0 15mm; font: 7pt sans-serif; color: #555; "
          "display: flex; justify-content: space-between'><span class='title'></span>"
          f"<span>{BOOK_TITLE} · <span class='pageNumber'></span> / "
          "<span class='totalPages'></span></span></div>")

# Runs in a checked page before it is printed; returns its headings and title.
_PREPARE = r"""
(bibliography, suffix) => {
  const article = document.querySelector("article.bd-article") || document.body;
  const here = new URL(location.href);
  const cited = new Set();
  for (const a of article.querySelectorAll("a[href]")) {
    let url;
    try { url = new URL(a.getAttribute("href"), here); } catch { continue; }
    const id = decodeURIComponent(url.hash.slice(1));
    if (url.pathname !== here.pathname && id in bibliography) {
      a.setAttribute("href", "#otr-reference-" + id);
      cited.add(id);
    }
  }
  if (cited.size) {
    const section = document.createElement("section");
    section.id = "otr-references";
    section.innerHTML = "<h2>References</h2>" + Object.keys(bibliography)
      .filter((id) => cited.has(id)).map((id) => bibliography[id]).join("");
    for (const entry of section.querySelectorAll("[id]")) entry.id = "otr-reference-" + entry.id;
    article.append(section);
  }
  // Chromium writes a PDF destination for an element only when a link points at it: one
  // hidden link to each element of the text with an id.
  const anchors = document.createElement("div");
  anchors.style.display = "none";
  for (const el of article.querySelectorAll("[id]")) {
    const a = document.createElement("a");
    a.href = "#" + el.id;
    anchors.append(a);
  }
  document.body.append(anchors);
  const text = (heading) => {
    const copy = heading.cloneNode(true);
    for (const link of copy.querySelectorAll(".headerlink")) link.remove();
    for (const math of copy.querySelectorAll("mjx-container")) {
      const mml = math.querySelector("mjx-assistive-mml");
      math.replaceWith(mml ? mml.textContent : "");
    }
    return copy.textContent.replace(/\s+/g, " ").trim();
  };
  const headings = [...article.querySelectorAll("h1, h2, h3")]
    .filter((h) => h.getClientRects().length && h.closest("section"))
    .map((h) => ({ level: Number(h.tagName[1]), text: text(h), id: h.closest("section").id }));
  document.title = document.title.replace(suffix, "");  // the footer's left side
  return { headings, title: document.title };
}
"""

# The entries of the bibliography (landing page), without their back-references.
_BIBLIOGRAPHY = r"""
Object.fromEntries([...document.querySelectorAll("div.citation[id]")].map((entry) => {
  const copy = entry.cloneNode(true);
  for (const back of copy.querySelectorAll(".backrefs")) back.remove();
  return [entry.id, copy.outerHTML];
}))
"""
_COMMIT = "(document.querySelector('.extra_footer code') || {}).textContent || ''"


@dataclass
class Heading:
    """A heading of a printed page: its level (1 for h1), text and its section's id."""

    level: int
    text: str
    id: str


@dataclass
class PrintedPage:
    """One page of the book printed alone: its path under the HTML folder (``book/x.html``),
    its depth in the table of contents, its title, headings and PDF."""

    page: str
    depth: int
    title: str
    headings: list[Heading]
    pdf: bytes
    reader: PdfReader = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.reader = PdfReader(io.BytesIO(self.pdf))

    def destination(self, anchor: str) -> tuple[int, float] | None:
        """(page index, top) of the element with id ``anchor``; the first page's top for ""."""
        if not anchor:
            return 0, float(self.reader.pages[0].mediabox.top)
        found = self.reader.named_destinations.get(f"/{anchor}")
        if found is None:
            return None
        return self.reader.get_destination_page_number(found), float(found.top)


def book_pages(toc: Path = ROOT / "_toc.yml") -> list[tuple[str, int]]:
    """The pages of the book in the order of ``_toc.yml``, as (html path, depth)."""
    tree = yaml.safe_load(toc.read_text())
    order = [(f"{tree['root']}.html", 0)]

    def walk(entries: list[dict], depth: int) -> None:
        for entry in entries:
            order.append((f"{entry['file']}.html", depth))
            walk(entry.get("sections", []), depth + 1)

    for part in tree["parts"]:
        walk(part["chapters"], 0)
    return order


def chapter_pages(chapter: str) -> list[str]:
    """The html paths of the chapter's pages."""
    return [f"{chapters.BOOK.name}/{page}.html" for page in chapters.pages(chapter)]


def print_pages(html: Path, pages: list[tuple[str, int]],
                chromium: browser.Chromium) -> tuple[list[PrintedPage], str]:
    """Check, prepare and print each page; return them and the commit the HTML names.
    ``RuntimeError`` listing every problem when a page would print broken."""
    chromium.call("Emulation.setEmulatedMedia", {"media": "print"}, session=True)
    chromium.open((html / "index.html").resolve().as_uri())
    bibliography = chromium.evaluate(_BIBLIOGRAPHY)
    commit = chromium.evaluate(_COMMIT)
    printed, problems = [], []
    for page, depth in bar(pages, desc="printing", enabled=sys.stderr.isatty()):
        report = browser.check_page(chromium, html / page, name=page, timeout=60)
        problems += [f"{page}: {problem}" for problem in report.problems]
        if report.problems:
            continue
        found = chromium.evaluate(
            f"({_PREPARE})({json.dumps(bibliography)}, {json.dumps(f' — {BOOK_TITLE}')})")
        data = chromium.call("Page.printToPDF", {
            "printBackground": True, "preferCSSPageSize": True, "displayHeaderFooter": True,
            "headerTemplate": "<span></span>", "footerTemplate": FOOTER,
            "generateTaggedPDF": True}, session=True, timeout=300)["data"]
        printed.append(PrintedPage(page, depth, found["title"],
                                   [Heading(**h) for h in found["headings"]],
                                   base64.b64decode(data)))
    if problems:
        raise RuntimeError("pages that would print broken:\n" + "\n".join(problems))
    return printed, commit


def _target(uri: str, html: Path) -> tuple[str, str] | None:
    """(page, anchor) of a link to a file under ``html``; None for any other address."""
    parts = urlsplit(uri)
    if parts.scheme != "file":
        return None
    try:
        page = Path(unquote(parts.path)).resolve().relative_to(html.resolve()).as_posix()
    except ValueError:
        return None
    return page, unquote(parts.fragment)


def assemble(printed: list[PrintedPage], html: Path, *, title: str,
             commit: str) -> tuple[PdfWriter, set[tuple[str, str]]]:
    """One PDF of ``printed`` (see the module docstring) and the places of other pages of the
    book it links to (in ``book.pdf``)."""
    writer = PdfWriter()
    for part in printed:
        writer.append(part.reader, import_outline=False)
    offsets = _offsets(printed)
    for key in ("/Dests", "/Names"):  # Chromium's names of each page would clash; ours follow
        writer.root_object.pop(NameObject(key), None)
    here = {part.page: part for part in printed}
    elsewhere = {page for page, _ in book_pages()} - set(here)

    def explicit(page: str, anchor: str) -> ArrayObject:
        """The place of ``anchor`` (the page's start if the HTML has no such id)."""
        index, top = here[page].destination(anchor) or here[page].destination("")
        return ArrayObject([writer.pages[offsets[page] + index].indirect_reference,
                            NameObject("/XYZ"), NullObject(), FloatObject(top), NullObject()])

    remote: set[tuple[str, str]] = set()
    for part in printed:
        for number in range(offsets[part.page], offsets[part.page] + len(part.reader.pages)):
            page = writer.pages[number]
            kept = ArrayObject()
            for reference in page.get("/Annots", ArrayObject()):
                annotation = reference.get_object()
                if annotation.get("/Subtype") != "/Link":
                    kept.append(reference)
                    continue
                action = annotation.get("/A")
                if action is None:  # a link within the page: Chromium's named destination
                    name = str(annotation.get("/Dest", "")).lstrip("/")
                    target: tuple[str, str] | None = (part.page, name)
                    uri = None
                else:
                    uri = str(action.get_object().get("/URI", ""))
                    target = _target(uri, html)
                if target is None:
                    if uri and urlsplit(uri).scheme in ("http", "https", "mailto"):
                        kept.append(reference)
                    continue
                if target[0] in here:
                    annotation.pop(NameObject("/A"), None)
                    annotation[NameObject("/Dest")] = explicit(*target)
                elif target[0] in elsewhere:
                    annotation.pop(NameObject("/Dest"), None)
                    annotation[NameObject("/A")] = DictionaryObject({
                        NameObject("/S"): NameObject("/GoToR"),
                        NameObject("/F"): TextStringObject(BOOK_PDF),
                        NameObject("/D"): TextStringObject(destination_name(*target)),
                        NameObject("/NewWindow"): NameObject("/false")})
                    remote.add(target)
                else:
                    continue
                kept.append(reference)
            if "/Annots" in page:
                page[NameObject("/Annots")] = kept
    _outline(writer, printed, offsets)
    writer.add_metadata({"/Title": title, "/Author": AUTHOR,
                         "/Subject": f"{BOOK_TITLE}, built from commit {commit}",
                         "/Creator": "lib.pdf (headless Chromium, pypdf)"})
    writer.page_mode = "/UseOutlines"
    return writer, remote


def destination_name(page: str, anchor: str) -> str:
    """The named destination of ``book.pdf`` a link from a chapter's PDF goes to."""
    return f"{page}#{anchor}" if anchor else page


def add_destinations(writer: PdfWriter, printed: list[PrintedPage],
                     targets: set[tuple[str, str]]) -> None:
    """Name the places of the whole book's PDF that the chapters' PDFs link to."""
    offsets = _offsets(printed)
    by_page = {part.page: part for part in printed}
    for page, anchor in sorted(targets):
        index, top = by_page[page].destination(anchor) or by_page[page].destination("")
        writer.add_named_destination(destination_name(page, anchor), offsets[page] + index,
                                     Fit.xyz(None, top, None))


def _offsets(printed: list[PrintedPage]) -> dict[str, int]:
    """The index of each printed page's first page in the PDF that joins them in order."""
    starts = accumulate((len(part.reader.pages) for part in printed), initial=0)
    return {part.page: start for part, start in zip(printed, starts, strict=False)}


def _outline(writer: PdfWriter, printed: list[PrintedPage], offsets: dict[str, int]) -> None:
    """Bookmarks of the headings (h1 to h3), a chapter's further pages under its first."""
    parents: dict[int, IndirectObject] = {}
    base = min(part.depth for part in printed)
    for part in printed:
        shift = part.depth - base
        for heading in part.headings:
            found = part.destination(heading.id)
            if found is None:
                continue
            index, top = found
            level = heading.level - 1 + shift
            item = writer.add_outline_item(
                title=heading.text, page_number=offsets[part.page] + index,
                parent=parents.get(level - 1), fit=Fit.xyz(None, top, None))
            parents[level] = item
            for deeper in [k for k in parents if k > level]:
                del parents[deeper]


def write(html: Path, out: Path, chapter_names: list[str] | None = None,
          linked: Path | None = None) -> list[Path]:
    """Print the book's pages and write the PDFs to ``out`` (see the module docstring), copied
    to ``linked`` when given; return their paths. ``chapter_names``: those chapters only, no
    ``book.pdf``. Nothing is written unless every page prints."""
    if not (html / "index.html").exists():
        raise FileNotFoundError(f"no book at {html}: run `make book` first")
    names = chapter_names or chapters.chapter_names()
    wanted = {page for chapter in names for page in chapter_pages(chapter)}
    order = [(page, depth) for page, depth in book_pages()
             if chapter_names is None or page in wanted]
    with browser.Chromium() as chromium:
        printed, commit = print_pages(html, order, chromium)
    by_page = {part.page: part for part in printed}
    documents: dict[str, PdfWriter] = {}
    remote: set[tuple[str, str]] = set()
    for chapter in names:
        parts = [by_page[page] for page in chapter_pages(chapter)]
        documents[f"{chapter}.pdf"], targets = assemble(
            parts, html, title=f"{parts[0].title} — {BOOK_TITLE}", commit=commit)
        remote |= targets
    if chapter_names is None:
        documents[BOOK_PDF], _ = assemble(printed, html, title=BOOK_TITLE, commit=commit)
        add_destinations(documents[BOOK_PDF], printed, remote)
    written = []
    for folder in [out, *([linked] if linked else [])]:
        folder.mkdir(parents=True, exist_ok=True)
    for name, writer in documents.items():
        with tempfile.NamedTemporaryFile(dir=out, suffix=".part", delete=False) as scratch:
            writer.write(scratch)
        Path(scratch.name).replace(out / name)
        if linked:
            shutil.copyfile(out / name, linked / name)
        written.append(out / name)
    return written


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m lib.pdf", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--html", type=Path, default=HTML,
                        help="the built book (default: %(default)s)")
    parser.add_argument("--out", type=Path, default=OUT,
                        help="where the PDFs go (default: %(default)s)")
    parser.add_argument("--chapter", action="append", choices=chapters.chapter_names(),
                        help="this chapter's PDF only (repeatable), no book.pdf")
    args = parser.parse_args(argv)
    start = time.monotonic()
    try:
        written = write(args.html, args.out, args.chapter, linked=args.html / LINKED)
    except (FileNotFoundError, RuntimeError) as error:
        sys.exit(f"python -m lib.pdf: {error}")
    for path in written:
        print(f"{path} ({len(PdfReader(path).pages)} pages, {path.stat().st_size / 1e6:.1f} MB)")
    print(f"{len(written)} PDFs in {time.monotonic() - start:.0f} s")


if __name__ == "__main__":
    main()
