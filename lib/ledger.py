"""The reproduction ledger: every figure and table of every source, read from the
machine-readable registry ``book/registry.yml``, checked, and rendered as Markdown for
``book/reproducibility.md``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

from lib import chapters
from lib.figures import chapter_of

REGISTRY = chapters.BOOK / "registry.yml"
STATUSES = (
    "reproduced",
    "reproduced with stated deviation",
    "reconstructed assumptions",
    "not reproducible",
    "addition",
    "pending",
)
KINDS = ("figure", "table")
TAGS = ("REC", "INF", "PROP")
VERDICTS = ("holds", "holds partly", "does not hold")
FIELDS = ("id", "kind", "original", "status", "tags", "check", "notes", "paper_claim",
          "verdict", "backed_by")


@dataclass(frozen=True)
class Entry:
    """One figure or table: of the source (``original`` names it) or our addition."""

    chapter: str
    id: str
    kind: str
    original: str
    status: str
    tags: tuple[str, ...]
    check: str
    notes: str
    paper_claim: str = ""
    verdict: str = ""
    backed_by: tuple[str, ...] = ()

    @property
    def produced(self) -> bool:
        """Whether a chapter run must write this item's files (not for a pending item, whose
        method is not built yet, nor for one that cannot be reproduced)."""
        return self.status not in ("not reproducible", "pending")


def load(path: Path = REGISTRY) -> list[Entry]:
    """Read and check the registry; ``ValueError`` names the first malformed entry."""
    raw = yaml.safe_load(path.read_text())
    entries: list[Entry] = []
    seen: set[str] = set()
    for chapter, block in raw["chapters"].items():
        if chapter not in chapters.chapter_names():
            raise ValueError(f"registry: unknown chapter {chapter!r}")
        for item in block["items"]:
            extra = set(item) - set(FIELDS)
            if extra:
                raise ValueError(f"registry: {item.get('id')}: unknown field(s) {sorted(extra)}")
            entry = Entry(chapter=chapter, id=item["id"], kind=item["kind"],
                          original=item.get("original", ""), status=item["status"],
                          tags=tuple(item.get("tags", ())), check=item["check"],
                          notes=item.get("notes", ""), paper_claim=item.get("paper_claim", ""),
                          verdict=item.get("verdict", ""),
                          backed_by=tuple(item.get("backed_by", ())))
            if entry.id in seen:
                raise ValueError(f"registry: duplicate id {entry.id}")
            seen.add(entry.id)
            if chapter_of(entry.id) != chapter:
                raise ValueError(f"registry: {entry.id} is listed under chapter {chapter}")
            if entry.kind not in KINDS or entry.status not in STATUSES:
                raise ValueError(f"registry: {entry.id}: kind must be one of {KINDS} and "
                                 f"status one of {STATUSES}")
            if set(entry.tags) - set(TAGS):
                raise ValueError(f"registry: {entry.id}: tags must be among {TAGS}")
            _check_verdict(entry)
            is_addition = "-ext-" in entry.id
            if is_addition != (entry.status == "addition") or is_addition == bool(entry.original):
                raise ValueError(f"registry: {entry.id}: additions have ids -ext-<name>, status "
                                 "'addition' and no original; items of the source the reverse")
            entries.append(entry)
    return entries


def _check_verdict(entry: Entry) -> None:
    """A paper's claim about an item comes with our verdict and the checked claims of the
    chapter that back it (anchors ``<prefix>-claim-<name>``), or none of the three does."""
    given = (bool(entry.paper_claim), bool(entry.verdict), bool(entry.backed_by))
    if any(given) and not all(given):
        raise ValueError(f"registry: {entry.id}: paper_claim, verdict and backed_by go together")
    if entry.verdict and entry.verdict not in VERDICTS:
        raise ValueError(f"registry: {entry.id}: verdict must be one of {VERDICTS}")
    if any("-claim-" not in label for label in entry.backed_by):
        raise ValueError(f"registry: {entry.id}: backed_by lists checked-claim anchors "
                         "<prefix>-claim-<name>")


def sources(path: Path = REGISTRY) -> dict[str, dict]:
    """Per chapter: title and bibliography key."""
    raw = yaml.safe_load(path.read_text())
    return {name: {k: v for k, v in block.items() if k != "items"}
            for name, block in raw["chapters"].items()}


def produced_ids(*folders: Path) -> set[str]:
    """Ids of the figures and tables written to ``folders`` (one ``.json`` provenance each)."""
    return {p.stem for folder in folders for p in Path(folder).glob("*.json")}


def discrepancies(chapter: str, folders: Iterable[Path],
                  entries: Iterable[Entry]) -> tuple[set, set]:
    """``(registered but not produced, produced but not registered)`` for one run of the
    chapter's pages, which wrote their files to ``folders``."""
    expected = {e.id for e in entries if e.chapter == chapter and e.produced}
    produced = produced_ids(*folders)
    return expected - produced, produced - expected


def _reference(entry: Entry) -> str:
    """Figures by their number; tables (some unnumbered) by their id."""
    if not entry.produced:
        return f"`{entry.id}`"
    if entry.kind == "figure":
        return f"{{numref}}`{entry.id}`"
    return f"{{ref}}`{entry.id} <{entry.id}>`"


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def markdown(entries: list[Entry] | None = None) -> str:
    """The ledger: per chapter, a table of its items, then the check and notes of each."""
    entries = load() if entries is None else entries
    info = sources()
    parts = []
    for chapter in chapters.chapter_names():
        rows = [e for e in entries if e.chapter == chapter]
        meta = info[chapter]
        further = "".join(f", {{doc}}`/book/{page}`" for page in chapters.pages(chapter)[1:])
        parts += [f"## {meta['title']}", "",
                  f"Source {{cite:p}}`{meta['source']}`; chapter {{doc}}`/book/{chapter}`"
                  f"{further}.", "",
                  "| our figure | item of the source | status | tags |",
                  "|---|---|---|---|"]
        for e in rows:
            tags = " ".join(f"[{t}]" for t in e.tags) or "—"
            parts.append(f"| {_reference(e)} | {_cell(e.original) or '— (our addition)'} "
                         f"| {e.status} | {tags} |")
        parts.append("")
        for e in rows:
            notes = f" *Notes:* {_cell(e.notes)}" if e.notes else ""
            claim = ""
            if e.verdict:
                checks = ", ".join(f"{{ref}}`check <{label}>`" for label in e.backed_by)
                claim = (f" *The paper:* {_cell(e.paper_claim)} *Our reconstruction:* "
                         f"**{e.verdict}** ({checks}).")
            parts.append(f"- `{e.id}` — *check:* {_cell(e.check)}.{claim}{notes}")
        parts.append("")
    return "\n".join(parts)
