"""lib.book: the cache key that decides which chapters re-execute."""

from __future__ import annotations

import shutil

import pytest
import yaml

from lib import book, chapters


@pytest.fixture
def tree(tmp_path, monkeypatch):
    """A copy of the repository files the key reads, with lib.book pointed at it."""
    shutil.copytree(book.ROOT / "lib", tmp_path / "lib",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(book.ROOT / "book", tmp_path / "book")
    shutil.copy(book.ROOT / "constraints.txt", tmp_path / "constraints.txt")
    monkeypatch.setattr(book, "ROOT", tmp_path)
    monkeypatch.setattr(chapters, "BOOK", tmp_path / "book")
    return tmp_path


def test_key_is_stable_and_tracks_chapter_lib_and_pins(tree) -> None:
    chapter = chapters.names()[0]
    key = book.cache_key(chapter)
    assert book.cache_key(chapter) == key
    (tree / "lib" / "__pycache__").mkdir(exist_ok=True)
    (tree / "lib" / "__pycache__" / "x.pyc").write_bytes(b"\0")
    assert book.cache_key(chapter) == key, "byte-code must not invalidate the cache"
    for path in (tree / "book" / f"{chapter}.md", tree / "lib" / "odes.py",
                 tree / "constraints.txt"):
        original = path.read_bytes()
        path.write_bytes(original + b"\n")
        assert book.cache_key(chapter) != key, path.name
        path.write_bytes(original)
    assert book.cache_key(chapter) == key


def test_the_site_serves_the_mathjax_that_the_config_names(tmp_path) -> None:
    files = book.mathjax_files()
    config = yaml.safe_load((book.ROOT / "_config.yml").read_text())["sphinx"]["config"]
    folder, _, name = config["mathjax_path"].rpartition("/")  # relative to the built _static
    assert book.SITE / config["html_static_path"][0] / folder == book.MATHJAX
    assert name in files
    assert "output/chtml/fonts/woff-v2/MathJax_Main-Regular.woff" in files
    assert "input/tex/extensions/boldsymbol.js" in files
    assert sum(len(f.read_bytes()) for f in files.values()) < 3_000_000
    (tmp_path / "old.js").write_text("stale")
    book.copy_mathjax(tmp_path)
    copied = {p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()}
    assert copied == set(files)


def test_the_site_config_adds_the_footer_to_the_repository_config(monkeypatch) -> None:
    monkeypatch.setattr(book, "git_commit", lambda: ("0123abc", True))
    staged = yaml.safe_load(book.site_config())
    config = yaml.safe_load((book.ROOT / "_config.yml").read_text())
    footer = staged["html"].pop("extra_footer")
    assert staged == config
    assert "BSD 3-Clause" in footer and "CC BY 4.0" in footer
    assert "<code>0123abc</code> with uncommitted changes." in footer
