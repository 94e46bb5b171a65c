"""The book in headless Chromium with no network (lib.browser): every formula typeset by the
MathJax the site ships, no MathJax error, no raw TeX, every image loaded. The checker is first
shown to catch each fault on small pages set up like the book's; then every page of the built
book (_build/html, from `make book`) is checked and photographed into _build/screenshots.

Tests marked `browser` need Chromium (apt-get install chromium) and are skipped without it."""

from __future__ import annotations

import importlib
import inspect
import json
import re
import shutil
import subprocess
from types import ModuleType

import pytest
import yaml
from myst_parser.config.main import MdParserConfig
from PIL import Image

from lib import book, browser, chapters
from lib.figures import ROOT

HTML = ROOT / "_build" / "html"
SCREENSHOTS = ROOT / "_build" / "screenshots"
NOT_BUILT = "the book is not built: run `make book` first"


@pytest.fixture(scope="module")
def chromium():
    if browser.find_chromium() is None:
        pytest.skip(f"Chromium not found: {browser.INSTALL_HINT}")
    with browser.Chromium() as started:
        yield started


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A folder with the book's MathJax files and a page factory using the book's MathJax
    configuration (_config.yml's, completed by MyST as in the built pages)."""
    folder = tmp_path_factory.mktemp("site")
    book.copy_mathjax(folder / "_static" / "mathjax")
    Image.new("RGB", (40, 20), "#0072B2").save(folder / "figure.png")
    sphinx = yaml.safe_load((ROOT / "_config.yml").read_text())["sphinx"]["config"]
    config = {**sphinx["mathjax3_config"],
              "options": {"processHtmlClass": MdParserConfig().mathjax_classes}}

    def page(name: str, body: str, mathjax: str = f"_static/{sphinx['mathjax_path']}",
             style: str = ""):
        path = folder / f"{name}.html"
        path.write_text(
            f"<!DOCTYPE html><html><head><meta charset='utf-8'><style>{style}</style>"
            f"<script>window.MathJax = {json.dumps(config)}</script>"
            f"<script defer src='{mathjax}'></script></head>"
            f"<body><main>{body}</main></body></html>", encoding="utf-8")
        return path

    return page


def inline(tex: str) -> str:
    return f'<span class="math notranslate nohighlight">\\({tex}\\)</span>'


def display(tex: str) -> str:
    return f'<div class="math notranslate nohighlight">\\[{tex}\\]</div>'


GOOD = ("<p>The cost " + inline(r"C = \eta \kappa \coth(\kappa T) X^2") + " of the schedule.</p>"
        + display(r"\begin{align} x(t) &= X \frac{\sinh(\kappa (T - t))}{\sinh(\kappa T)} "
                  r"\tag{1.1}\\ \dot x &\le 0 \end{align}")
        + "<pre>code keeps its TeX: \\(x\\) $$</pre><img src='figure.png' alt='a figure'>")


def _problems(chromium, page):
    return browser.check_page(chromium, page).problems


@pytest.mark.browser
def test_a_page_set_up_like_the_book_passes_with_a_screenshot(chromium, site, tmp_path) -> None:
    report = browser.check_page(chromium, site("good", GOOD), tmp_path / "good.png")
    assert report.problems == []
    assert (report.formulas, report.images) == (2, 1)
    assert Image.open(tmp_path / "good.png").size[0] == browser.WINDOW[0]


@pytest.mark.browser
def test_a_tex_error_is_reported_with_its_source(chromium, site) -> None:
    problems = _problems(chromium, site("brace", GOOD + inline("x^{2}}")))
    assert len(problems) == 1
    assert "MathJax errors" in problems[0] and "Extra close brace" in problems[0]
    assert "x^{2}}" in problems[0]


@pytest.mark.browser
def test_an_undefined_macro_is_an_error(chromium, site) -> None:
    problems = _problems(chromium, site("macro", GOOD + display(r"\nosuchmacro{x}")))
    assert problems == ["1 MathJax errors: "
                        "'Undefined control sequence \\\\nosuchmacro in \\\\nosuchmacro{x}'"]


@pytest.mark.browser
def test_an_unbalanced_formula_left_as_raw_tex_is_reported(chromium, site) -> None:
    problems = _problems(chromium, site("frac", GOOD + inline(r"\frac{1}{2")))
    assert any("1 of 3 formulas not typeset" in p and r"\\frac{1}{2" in p for p in problems)
    assert any(p.startswith("raw TeX delimiters") for p in problems)


# pydata-sphinx-theme 0.17.1's rules for display formulas: a row-reverse flex box that hides
# overflow, around a scrolling mjx-container.
THEME = ("div.math { align-items: center; display: flex; max-width: 100%; overflow: hidden; "
         "flex-direction: row-reverse } div.math mjx-container { flex-grow: 1; overflow: auto }")


@pytest.mark.browser
def test_a_wide_numbered_formula_is_cut_off_by_the_theme_but_not_with_the_book_style(
        chromium, site) -> None:
    wide = display(" + ".join(f"a_{{{i}}} x^{{{i}}}" for i in range(40)) + r" \tag{W}")
    column = f"<div style='width: 400px'>{wide}</div>"
    problems = _problems(chromium, site("cut", GOOD + column, style=THEME))
    assert len(problems) == 1 and "1 formulas cut off" in problems[0], problems
    style = (ROOT / "book" / "style.css").read_text()
    assert _problems(chromium, site("scrolls", GOOD + column, style=THEME + style)) == []


@pytest.mark.browser
def test_an_image_that_does_not_load_is_reported(chromium, site) -> None:
    problems = _problems(chromium, site("image", GOOD + "<img src='figures/missing.png'>"))
    assert any("1 of 2 images not loaded: 'figures/missing.png'" in p for p in problems)


@pytest.mark.browser
def test_an_uncaught_exception_is_reported_but_not_sphinx_thebes_twin(chromium, site) -> None:
    thebe = "<script>const THEBE_JS_URL = 'unused'</script>"
    problems = _problems(chromium, site("thrown", GOOD + 2 * thebe + "<script>null.x</script>"))
    assert len(problems) == 1
    assert "uncaught JavaScript exceptions" in problems[0] and "TypeError" in problems[0]


@pytest.mark.browser
def test_mathjax_from_a_cdn_fails_offline(chromium, site) -> None:
    """The set-up this replaces: with no network the reader sees raw TeX."""
    cdn = "https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-mml-chtml.js"
    path = site("cdn", GOOD, mathjax=cdn)
    problems = _problems(chromium, path)
    assert "MathJax not loaded" in problems
    assert any("2 of 2 formulas not typeset" in p for p in problems)
    assert any(p.startswith("raw TeX delimiters") for p in problems)
    assert any("requests failed" in p and cdn in p for p in problems)
    assert browser.remote_assets(path) == [cdn]


def test_no_page_of_the_book_loads_from_the_network_and_mathjax_once() -> None:
    if not (HTML / "index.html").exists():
        pytest.skip(NOT_BUILT)
    built = {page.relative_to(HTML).as_posix(): page for page in sorted(HTML.rglob("*.html"))}
    remote = {name: urls for name, page in built.items() if (urls := browser.remote_assets(page))}
    assert remote == {}
    scripts = {name: [url.split("?")[0] for url in browser.assets(page) if "mathjax" in url]
               for name, page in built.items()}
    assert {name: urls for name, urls in scripts.items() if len(urls) > 1} == {}
    assert all(urls == ["../_static/mathjax/tex-mml-chtml.js"]
               for urls in (scripts[f"book/{c}.html"] for c in chapters.names()))


def test_every_page_states_the_licences_and_the_commit_it_was_built_from() -> None:
    if not (HTML / "index.html").exists():
        pytest.skip(NOT_BUILT)
    footer = re.compile(r'<p>Code under the <a href="https://opensource.org/license/bsd-3-clause">'
                        r'BSD 3-Clause licence</a>; text, figures and tables under <a href='
                        r'"https://creativecommons.org/licenses/by/4.0/">CC BY 4.0</a>\. Built '
                        r'from commit <code>(?P<commit>[0-9a-f]{40})</code>')
    found = {page: footer.search(page.read_text(encoding="utf-8"))
             for page in browser.pages(HTML)}
    assert [page for page, match in found.items() if match is None] == []
    commits = {match["commit"] for match in found.values()}
    assert len(commits) == 1
    known = subprocess.run(["git", "-C", str(HTML.parents[1]), "cat-file", "-e",
                            f"{commits.pop()}^{{commit}}"], capture_output=True)
    assert known.returncode == 0


def _public(module: ModuleType) -> list[str]:
    """The public functions and classes of a module: its ``__all__``, else the names without
    a leading underscore of the functions and classes it defines."""
    if hasattr(module, "__all__"):
        values = {name: getattr(module, name) for name in module.__all__}
        return [name for name, value in values.items()
                if inspect.isfunction(value) or inspect.isclass(value)]
    return [name for name, value in vars(module).items() if not name.startswith("_")
            and (inspect.isfunction(value) or inspect.isclass(value))
            and value.__module__ == module.__name__]


def test_the_api_page_lists_every_public_function_of_the_model_packages() -> None:
    page = HTML / "book" / "api.html"
    if not page.exists():
        pytest.skip(NOT_BUILT)
    html = page.read_text(encoding="utf-8")
    modules = [name for package in book.MODEL_PACKAGES for name in
               book.api_modules()[package] or [package]]
    listed = {name: [f for f in _public(importlib.import_module(name))
                     if f'id="{name}.{f}"' not in html] for name in modules}
    assert sum(len(_public(importlib.import_module(name))) for name in modules) > 300
    assert {name: missing for name, missing in listed.items() if missing} == {}


def test_the_api_page_shows_no_restructuredtext_markup_as_text() -> None:
    """A docstring napoleon misreads (a Returns line with a colon read as "type: text", a
    paragraph after a Parameters list read as an entry) shows its double backquotes."""
    page = HTML / "book" / "api.html"
    if not page.exists():
        pytest.skip(NOT_BUILT)
    text = re.sub(r"<[^>]+>", "", page.read_text(encoding="utf-8"))
    assert [m.group() for m in re.finditer(r".{0,60}``.{0,60}", text)] == []


@pytest.mark.browser
def test_every_page_of_the_book_renders_offline(request) -> None:
    if not (HTML / "index.html").exists():
        pytest.skip(NOT_BUILT)
    chromium = request.getfixturevalue("chromium")
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)
    reports = browser.check_site(HTML, SCREENSHOTS, chromium)
    assert len(reports) == len(browser.pages(HTML)) > 1
    failures = [f"{r.page}: {problem}" for r in reports for problem in r.problems]
    assert not failures, "\n".join(failures)
    assert sum(r.formulas for r in reports) > 100 and sum(r.images for r in reports) > 10
    assert all(r.screenshot.stat().st_size > 0 for r in reports)
