"""The licences and the version: the files exist, and the version is the same in
pyproject.toml, CITATION.cff and the latest release of CHANGELOG.md."""

from __future__ import annotations

import re
import tomllib

import yaml

from lib.figures import ROOT


def test_code_and_text_licences_are_stated_everywhere() -> None:
    assert (ROOT / "LICENSE").read_text().startswith("BSD 3-Clause License")
    assert "CC BY 4.0" in (ROOT / "LICENSE-TEXT.md").read_text()
    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    assert citation["license"] == ["BSD-3-Clause", "CC-BY-4.0"]
    readme = (ROOT / "README.md").read_text()
    landing = (ROOT / "book" / "intro.md").read_text()
    for text in (readme, landing):
        assert "BSD 3-Clause" in text and "CC BY 4.0" in text


def test_the_version_agrees_in_pyproject_citation_and_changelog() -> None:
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    releases = re.findall(r"^## (\d+\.\d+\.\d+) — (\d{4}-\d{2}-\d{2})$",
                          (ROOT / "CHANGELOG.md").read_text(), re.M)
    assert releases, "CHANGELOG.md lists no release"
    assert citation["version"] == version == releases[0][0]
    assert str(citation["date-released"]) == releases[0][1]
