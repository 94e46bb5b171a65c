"""The book build: execute stale chapters once, assemble the Sphinx source, report.

``python -m lib.book stage``
    Executes every chapter whose cache key changed (the key hashes the chapter's source,
    every file of ``lib/`` and ``constraints.txt``), exports its figures to
    ``figures/<chapter>/``, and assembles ``_build/site``: the configuration, ``book/intro.md``
    as the landing page ``index.md``, each chapter as its executed notebook, the figures, and
    the generated ledger, timing and version tables, and the static files of the HTML in
    ``_assets``: ``book/style.css`` and MathJax (see ``mathjax_files``). Each chapter page
    gains a link to its PDF under its title (``with_pdf_link``). The configuration
    gains a footer on every page: the licences and the commit the book is built from. Files
    whose content is unchanged are not rewritten, so Sphinx re-reads only what changed.
``python -m lib.book report``
    Prints the landing page's path and the per-chapter execution times.
``python -m lib.book goldens [CHAPTER ...]``
    Writes ``tests/golden/<chapter>.ipynb`` at the default parameters, images stripped, for
    every chapter or the ones named.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import json
import pkgutil
import shutil
import sys
import tempfile
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

import yaml

from lib import chapters, ledger, notebooks, pdf
from lib.figures import ROOT, git_commit, package_versions

BUILD = ROOT / "_build"
EXECUTED = BUILD / "executed"
SITE = BUILD / "site"
FIGURES = ROOT / "figures"
GOLDEN = ROOT / "tests" / "golden"
LAST_RUN = EXECUTED / "last-run.json"
STATIC_FILES = ("_toc.yml", "references.bib")
# Under the title of each chapter page (in _build/html/book): its chapter's PDF and the book's,
# which `make pdf` writes into _build/html/pdf (lib/pdf.py). Hidden in print.
PDF_LINK = (f'<p class="otr-pdf">As PDF: <a href="../{pdf.LINKED}/{{chapter}}.pdf">this chapter'
            f'</a>, <a href="../{pdf.LINKED}/{pdf.BOOK_PDF}">the whole book</a> (written by '
            '<code>make pdf</code>).</p>')
FOOTER = ('<p>Code under the <a href="https://opensource.org/license/bsd-3-clause">BSD 3-Clause '
          'licence</a>; text, figures and tables under <a href='
          '"https://creativecommons.org/licenses/by/4.0/">CC BY 4.0</a>. Built from commit '
          '<code>{commit}</code>{dirty}.</p>')
# MathJax in the site: _config.yml's html_static_path copies _assets into _static, and its
# mathjax_path is relative to _static. (Not _static itself: Jupyter Book would add every .js
# file found there as a script of every page.)
MATHJAX = SITE / "_assets" / "mathjax"


def cache_key(chapter: str) -> str:
    """sha256 over the chapter source, every file under ``lib/`` and ``constraints.txt``."""
    digest = hashlib.sha256()
    lib_files = sorted(p for p in (ROOT / "lib").rglob("*")
                       if p.is_file() and "__pycache__" not in p.parts)
    for path in [chapters.source(chapter), ROOT / "constraints.txt", *lib_files]:
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes() if path.exists() else b"")
    return digest.hexdigest()


def _record_path(chapter: str) -> Path:
    return EXECUTED / f"{chapter}.json"


def _is_current(chapter: str) -> bool:
    record = _record_path(chapter)
    if not (record.exists() and (EXECUTED / f"{chapter}.ipynb").exists()
            and (FIGURES / chapter).is_dir()):
        return False
    return json.loads(record.read_text()).get("key") == cache_key(chapter)


def execute_stale() -> list[str]:
    """Execute the chapters whose cache key changed (a tqdm bar over the cells of each when
    run in a terminal); return their names."""
    stale = [c for c in chapters.names() if not _is_current(c)]
    for chapter in stale:
        print(f"executing {chapter} (new, or its source or lib/ changed)", flush=True)
        key = cache_key(chapter)
        shutil.rmtree(FIGURES / chapter, ignore_errors=True)
        run = notebooks.run_chapter(chapter, EXECUTED / f"{chapter}.ipynb", FIGURES / chapter,
                                    progress=sys.stderr.isatty())
        _record_path(chapter).write_text(json.dumps(
            {"key": key, "seconds": round(run.seconds, 2), "parameters": run.parameters},
            indent=2) + "\n")
    EXECUTED.mkdir(parents=True, exist_ok=True)
    LAST_RUN.write_text(json.dumps({"executed": stale}) + "\n")
    return stale


def _write_if_changed(path: Path, content: bytes) -> None:
    if path.exists() and path.read_bytes() == content:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)


def mathjax_files() -> dict[str, Traversable]:
    """The MathJax 3 files the site serves, by their path under ``MATHJAX``, taken from
    the pinned package django-static-mathjax (import name ``mathjax``): the component
    ``tex-mml-chtml.js`` (Sphinx's default), the TeX extensions its autoloader fetches on demand
    (``\\boldsymbol``, ``\\cancel``, ...) and the woff fonts of its HTML output. Nothing else of
    the package (sources, other components, speech rules) is needed to typeset."""
    es5 = resources.files("mathjax") / "static" / "mathjax" / "es5"
    files = {"tex-mml-chtml.js": es5 / "tex-mml-chtml.js"}
    for folder, suffix in (("input/tex/extensions", ".js"),
                           ("output/chtml/fonts/woff-v2", ".woff")):
        source = es5.joinpath(*folder.split("/"))
        files.update({f"{folder}/{p.name}": p for p in source.iterdir()
                      if p.name.endswith(suffix)})
    return files


def copy_mathjax(dest: Path) -> None:
    """Make ``dest`` hold exactly ``mathjax_files()``, rewriting only what changed."""
    files = mathjax_files()
    for old in [p for p in dest.rglob("*") if p.is_file()] if dest.exists() else []:
        if old.relative_to(dest).as_posix() not in files:
            old.unlink()
    for name, source in files.items():
        _write_if_changed(dest / name, source.read_bytes())


def timings() -> dict[str, float]:
    """Seconds of the last execution of each chapter."""
    return {c: json.loads(_record_path(c).read_text())["seconds"]
            for c in chapters.names() if _record_path(c).exists()}


def _timings_markdown() -> str:
    lines = ["| page | execution time (s) |", "|---|---|"]
    lines += [f"| {{doc}}`/book/{c}` | {s:.1f} |" for c, s in timings().items()]
    lines.append(f"| all pages | {sum(timings().values()):.1f} |")
    return "\n".join(lines) + "\n"


def _versions_markdown() -> str:
    lines = ["| package | version |", "|---|---|"]
    lines += [f"| {name} | {version} |" for name, version in package_versions().items()]
    return "\n".join(lines) + "\n"


# The API reference: the model packages, one section each with a subsection per module, then
# the shared numerics and the tools a chapter calls.
MODEL_PACKAGES = ("lib.execution", "lib.competition", "lib.signals", "lib.dynamic_trading",
                  "lib.liquidity_pools")
SHARED_MODULES = ("lib.riccati", "lib.odes", "lib.sine_basis", "lib.validation", "lib.symbolic",
                  "lib.claims", "lib.figures", "lib.parallel", "lib.sweep", "lib.domains",
                  "lib.chapters")


def api_modules() -> dict[str, list[str]]:
    """The modules of the API reference: each model package (or module) with its modules, in
    order, then the shared modules, under "shared"."""
    modules = {}
    for name in MODEL_PACKAGES:
        package = importlib.import_module(name)
        inner = sorted(f"{name}.{info.name}" for info in
                       pkgutil.iter_modules(getattr(package, "__path__", [])))
        modules[name] = inner
    modules["shared"] = list(SHARED_MODULES)
    return modules


def _api_markdown() -> str:
    """The sections of the API page: an ``automodule`` per module, members from its
    ``__all__`` (or every public name); a package's own docstring without members, which its
    modules document."""
    def automodule(name: str, members: bool) -> list[str]:
        # autodoc writes reStructuredText, which MyST would show as text: hence eval-rst.
        return ["```{eval-rst}", f".. automodule:: {name}",
                *(["   :members:"] if members else []), "```", ""]

    lines = []
    for package, inner in api_modules().items():
        if package == "shared":
            lines += ["## Shared numerics and tools", ""]
        else:
            lines += [f"## `{package}`", "", *automodule(package, members=not inner)]
        for module in inner:
            lines += [f"### `{module}`", "", *automodule(module, members=True)]
    return "\n".join(lines)


def with_pdf_link(notebook: bytes, page: str) -> bytes:
    """The executed notebook of ``page`` with ``PDF_LINK`` after its title (the first line
    that starts with "# " in a markdown cell)."""
    content = json.loads(notebook)
    link = PDF_LINK.format(chapter=chapters.chapter_of(page))
    for cell in content["cells"]:
        lines = "".join(cell["source"]).split("\n")
        titles = [i for i, line in enumerate(lines) if line.startswith("# ")]
        if cell["cell_type"] == "markdown" and titles:
            after = titles[0] + 1
            lines[after:after] = ["", link] + ([""] if lines[after:after + 1] != [""] else [])
            cell["source"] = "\n".join(lines)
            return (json.dumps(content, indent=1, ensure_ascii=False) + "\n").encode()
    raise ValueError(f"page {page}: no title (a line starting with '# ') in a markdown cell")


def site_config() -> bytes:
    """``_config.yml`` with the footer of every page: the licences and the build commit."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    commit, dirty = git_commit()
    footer = FOOTER.format(commit=commit, dirty=" with uncommitted changes" if dirty else "")
    config.setdefault("html", {})["extra_footer"] = footer
    return yaml.safe_dump(config, sort_keys=False, allow_unicode=True, width=100).encode()


def stage() -> None:
    """Execute stale chapters and assemble ``_build/site`` (see the module docstring)."""
    execute_stale()
    _write_if_changed(SITE / "_config.yml", site_config())
    for name in STATIC_FILES:
        _write_if_changed(SITE / name, (ROOT / name).read_bytes())
    _write_if_changed(SITE / "index.md", (chapters.BOOK / "intro.md").read_bytes())
    for page in chapters.BOOK.glob("*.md"):
        if page.stem not in chapters.names() and page.name != "intro.md":
            _write_if_changed(SITE / "book" / page.name, page.read_bytes())
    for chapter in chapters.names():
        _write_if_changed(SITE / "book" / f"{chapter}.ipynb",
                          with_pdf_link((EXECUTED / f"{chapter}.ipynb").read_bytes(), chapter))
        staged = SITE / "figures" / chapter
        produced = {p.name for p in (FIGURES / chapter).iterdir()}
        for old in staged.glob("*") if staged.exists() else []:
            if old.name not in produced:
                old.unlink()
        for name in produced:
            _write_if_changed(staged / name, (FIGURES / chapter / name).read_bytes())
    generated = SITE / "book" / "_generated"
    _write_if_changed(generated / "ledger.md", ledger.markdown().encode())
    _write_if_changed(generated / "timings.md", _timings_markdown().encode())
    _write_if_changed(generated / "versions.md", _versions_markdown().encode())
    _write_if_changed(generated / "api.md", _api_markdown().encode())
    copy_mathjax(MATHJAX)
    _write_if_changed(MATHJAX.parent / "style.css", (chapters.BOOK / "style.css").read_bytes())


def report() -> None:
    """Print the landing page and the execution time of each chapter."""
    executed = set(json.loads(LAST_RUN.read_text())["executed"]) if LAST_RUN.exists() else set()
    print(f"\nThe book: {BUILD / 'html' / 'index.html'}\n")
    print(f"{'page':<24} {'seconds':>8}  this build")
    for chapter, seconds in timings().items():
        state = "executed" if chapter in executed else "cached (not re-executed)"
        print(f"{chapter:<24} {seconds:>8.1f}  {state}")


def goldens(names: list[str] | None = None) -> None:
    """Execute the chapters (all by default) at their defaults into ``tests/golden`` and strip
    the images."""
    unknown = sorted(set(names or ()) - set(chapters.names()))
    if unknown:
        raise ValueError(f"chapter: unknown {unknown}; the chapters are {chapters.names()}")
    with tempfile.TemporaryDirectory() as scratch:
        for chapter in names or chapters.names():
            executed = Path(scratch) / f"{chapter}.ipynb"  # a failed run leaves the golden
            notebooks.run_chapter(chapter, executed, Path(scratch) / chapter)
            notebooks.strip_for_golden(executed)
            path = GOLDEN / f"{chapter}.ipynb"
            shutil.copyfile(executed, path)
            print(f"wrote {path.relative_to(ROOT)}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m lib.book", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("step", choices=("stage", "report", "goldens"))
    parser.add_argument("chapter", nargs="*", help="goldens only: the chapters to execute "
                        "(default: all)")
    args = parser.parse_args(argv)
    if args.chapter and args.step != "goldens":
        parser.error("chapter names are taken by the goldens step only")
    if args.step == "goldens":
        goldens(args.chapter)
    else:
        {"stage": stage, "report": report}[args.step]()


if __name__ == "__main__":
    main()
