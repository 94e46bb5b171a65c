"""lib.claims: glued numbers and checked claims."""

from __future__ import annotations

import re

import pytest

from lib import chapters, claims


@pytest.mark.parametrize(("value", "fmt", "expected"), [
    (3240.271399999, ".1f", 3240.3), (0.46424, ".2%", 0.4642), (12345.6, ",.0f", 12346.0),
    (1.23456e-9, ".2e", 1.23e-9), (2.0 / 3.0, ".3g", 0.667)])
def test_numbers_are_glued_rounded_to_their_format(value, fmt, expected) -> None:
    assert claims.rounded(value, fmt) == expected
    assert format(claims.rounded(value, fmt), fmt) == format(value, fmt)


@pytest.mark.parametrize("fmt", ["d", ".2", "5.2f", ".2x"])
def test_bad_formats_are_refused(fmt) -> None:
    with pytest.raises(ValueError, match="fmt"):
        claims.rounded(1.0, fmt)


@pytest.fixture
def shown(monkeypatch) -> list[str]:
    """The Markdown a chapter would display (its metadata in ``shown.metadata``)."""
    texts = Shown()
    monkeypatch.delenv(claims.CLAIMS_ENV, raising=False)

    def display(markdown, metadata):
        texts.append(markdown.data)
        texts.metadata.append(metadata)
    monkeypatch.setattr(claims, "display", display)
    return texts


class Shown(list):
    """Displayed texts, and the metadata of each."""

    def __init__(self) -> None:
        super().__init__()
        self.metadata: list[dict] = []


def test_a_true_claim_is_shown_and_recorded(shown) -> None:
    page = claims.Claims("demo")
    page.check("rises", "The curve rises.", True, "smallest step 0.1")
    assert [c.label for c in page.checked] == ["demo-claim-rises"]
    assert shown == ["(demo-claim-rises)=\n**Check `rises` holds**: The curve rises. "
                     "*Measured:* smallest step 0.1."]
    assert "{ref}`rises <demo-claim-rises>`" in page.summary().data
    assert shown.metadata == [{claims.CLAIM_METADATA: {
        "label": "demo-claim-rises", "holds": True, "measured": "smallest step 0.1"}}]


def test_a_false_claim_stops_the_chapter(shown) -> None:
    page = claims.Claims("demo")
    with pytest.raises(claims.ClaimFailed, match=r"demo-claim-rises is false.*step -0\.1"):
        page.check("rises", "The curve rises.", False, "smallest step -0.1")
    assert page.checked == [] and "FAILS" in shown[0]


def test_a_run_that_records_claims_goes_on_past_a_false_one(shown, monkeypatch) -> None:
    monkeypatch.setenv(claims.CLAIMS_ENV, "record")
    page = claims.Claims("demo")
    page.check("rises", "The curve rises.", False, "smallest step -0.1")
    page.check("ends", "The curve ends.", True, "at T")
    assert [(c.label, c.holds) for c in page.checked] == [("demo-claim-rises", False),
                                                          ("demo-claim-ends", True)]
    assert [m[claims.CLAIM_METADATA]["holds"] for m in shown.metadata] == [False, True]
    assert "| FAILS |" in page.summary().data and "| holds |" in page.summary().data


def test_names_are_labels() -> None:
    with pytest.raises(ValueError, match="name 'Rises Fast'"):
        claims.Claims("demo").check("Rises Fast", "…", True, "")


def _glued_numbers(text: str) -> set[str]:
    """Labels ``<prefix>-<name>`` glued by ``claims.number`` with a literal name in a chapter."""
    prefixes = re.findall(r'Claims\("([a-z]+)"\)', text)
    names = re.findall(r'claims\.number\(\s*"([a-z0-9-]+)"', text)
    return {f"{prefix}-{name}" for prefix in prefixes for name in names}


def _unformatted(text: str) -> set[str]:
    """Labels the text shows with ``{glue:text}`` but without a format."""
    return set(re.findall(r"\{glue:text\}`([a-z0-9-]+)`", text))


@pytest.mark.parametrize("chapter", chapters.names())
def test_glued_numbers_are_shown_with_their_format(chapter: str) -> None:
    """A number glued by ``claims.number`` is a rounded float: shown without its format it
    would read ``1764.0``."""
    text = chapters.source(chapter).read_text()
    assert not _glued_numbers(text) & _unformatted(text)


def test_an_unformatted_glued_number_is_found() -> None:
    text = 'claims = Claims("pb")\nclaims.number("count", 3, ".0f")\n{glue:text}`pb-count`'
    assert _glued_numbers(text) & _unformatted(text) == {"pb-count"}
