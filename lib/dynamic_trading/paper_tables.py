"""The paper's six inline numeric tables T1–T6 as printed, and a cell-by-cell comparison with
values computed elsewhere.

The source is a poor OCR (``seeds/001_56f4b3eaf0b5e553.txt``). Every entry below is a string
with the paper's number of decimals, after these repairs only (each listed per table):

* "—" (and "—-", a dash plus a hyphen) is a minus sign;
* a lost decimal point is restored ("1289" -> "1.289", "4757" -> ".4757"), never a digit;
* a minus factored out of a vector, as in ``P = -[.29 .345 ...]``, is applied to each entry;
* rows merged with a neighbouring display are split (T4: row 3 of the exact ``Q`` shares a
  line with the exact ``P``; T2: ``diag K`` shares a line with row 3 of ``U``).

Our own solutions (the five-player example, its eigen-decomposition (25), the impact vectors,
the Prop 13 approximation, the common-value and the exponential examples) were used to decide
where an entry starts and where the decimal point goes; no digit is taken from them.
``None`` marks an unreadable entry (none remain after the repairs above).

The paper rounds most numbers but truncates some (Λ of T3, the ``.666`` of ``U`` and the
eigenvalue ``1.38`` of (25); in T1 also ``p^3``, ``q^{45}`` and ``q^{53}``, which T4 prints
rounded to 4 decimals). ``compare`` therefore accepts a cell when the printed number equals
our value either rounded (half away from zero) or truncated (toward zero) to the printed
decimals, and records which rule matched. This module computes no model values: the caller
supplies ``ours``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal

import numpy as np

__all__ = [
    "TABLES",
    "Cell",
    "PaperTable",
    "compare",
    "decimals",
    "mismatches",
    "truncation_only",
]

Printed = tuple[str | None, ...]
Block = Printed | tuple[Printed, ...]

ROUNDED = "rounded"
"""``Cell.rule`` when the printed number is our value rounded (truncation may agree too)."""
TRUNCATED = "truncated"
"""``Cell.rule`` when the printed number is our value truncated, and rounding disagrees."""

GUARD = 9
"""Extra decimals to which our value is first rounded (half even) before the printing rule is
applied, so that float noise such as ``0.99999999999997`` or ``-0.37499999999998`` does not
flip a truncation or a tie (our solves are accurate to about 1e-13)."""


@dataclass(frozen=True)
class PaperTable:
    """One printed table: ``blocks`` maps a name to a vector (tuple of strings) or a matrix
    (tuple of rows); ``seed_lines`` locates it in the OCR; ``repairs`` lists every OCR repair."""

    table_id: str
    title: str
    seed_lines: str
    blocks: Mapping[str, Block]
    repairs: tuple[str, ...]


# --- T1: the 5-player example of Section 5.1, b = [1, 1.5, 2, 2.5, 3], r = 1
# (seed lines 1105–1114).
# OCR: "P = [—.254,—.329, —.387, —.435, —.476]" and the matrix after "@ =1" (= "Q = [").
T1 = PaperTable(
    "T1",
    "5-player example (Section 5.1): pricing vector P and trading matrix Q",
    "1105 (P), 1108–1114 (Q)",
    {
        "P": ("-.254", "-.329", "-.387", "-.435", "-.476"),
        "Q": (
            ("0.630", "-0.244", "-0.319", "-0.389", "-0.455"),
            ("-0.163", "0.965", "-0.326", "-0.401", "-0.473"),
            ("-0.160", "-0.244", "1.289", "-0.405", "-0.481"),
            ("-0.156", "-0.241", "-0.324", "1.598", "-0.483"),
            ("-0.152", "-0.236", "-0.320", "-0.403", "1.892"),
        ),
    },
    (
        "'—' and '—-' read as a single minus sign throughout",
        "Q[3,3]: OCR '1289' -> '1.289' (lost decimal point)",
        "Q row 3: the leading '@ =1' is the label 'Q = [', not an entry",
    ),
)

# --- T2: eigen-decomposition (25) of the T1 matrix Q (seed lines 1203–1208).
# OCR rows of U:  "1 1 218 118 .081" / "666 —.530 782 214 .123" /
#   "U=| 5 —.221 —619 .668 .213 |, diagK=1[0, .93, 1.38, 1.82, 2.24]." /
#   "4 —.143 —.234 —.748 583" / "333 —.106 —.147 —.252 —1".
# Normalisation (read off the printed U): column 1 has entry 1 equal to 1; in the other columns the
# positive entries sum to 1. The eigenvalues are printed to 2 decimals, 1.38 truncated.
T2 = PaperTable(
    "T2",
    "Eigen-decomposition (25): eigenvector matrix U and diag K",
    "1203–1207 (U), 1205 (diag K)",
    {
        "U": (
            ("1", "1", ".218", ".118", ".081"),
            (".666", "-.530", ".782", ".214", ".123"),
            (".5", "-.221", "-.619", ".668", ".213"),
            (".4", "-.143", "-.234", "-.748", ".583"),
            (".333", "-.106", "-.147", "-.252", "-1"),
        ),
        "K": ("0", ".93", "1.38", "1.82", "2.24"),
    },
    (
        "U row 1: OCR '218', '118' -> '.218', '.118' (lost decimal points)",
        "U row 2: OCR '666', '782', '214' -> '.666', '.782', '.214'",
        "U row 3: OCR '5', '—619' -> '.5', '-.619'; the row is merged with 'U=|' and with "
        "'diagK=1[...]', which is split off as K",
        "U row 4: OCR '4', '583' -> '.4', '.583'",
        "U row 5: OCR '333' -> '.333'; '—1' -> '-1'",
        "K: OCR '1[0, ...' -> '[0, ...' (the '1' is the bracket)",
    ),
)

# --- T3: impact vectors of the 5-player example (seed lines 1291, 1307, 1326).
# I = instantaneous (29), Λ = permanent (30, printed truncated), T = transient (Lemma 3).
T3 = PaperTable(
    "T3",
    "Instantaneous I, permanent Λ and transient T impact (Section 5.2)",
    "1291 (I), 1307 (Λ), 1326 (T)",
    {
        "I": ("0.403", "0.341", "0.301", "0.272", "0.251"),
        "Lambda": ("0.526", "0.447", "0.416", "0.4", "0.389"),
        "T": ("0.020", "0.055", "0.054", "0.045", "0.034"),
    },
    ("none: all three vectors are clean in the OCR; Λ^4 is printed '0.4' (1 decimal)",),
)

# --- T4: the Prop 13 approximation (44) against the exact solution (seed lines 1666–1682).
# OCR of (44): "P=—[29.345.4.455.51]" and the Q-hat rows
#   "6 —.225 —3 —38 —.45" / "—.15 9 —3 —38 —.45" / "—15 —225 12 —.38 —45" /
#   "—15 —225 -3 15 —.45" / "—15 —225 —3 —38 18".
# The exact Q is printed to 4 decimals; row 3 is merged with the exact P:
#   "—[.254 .3294 .3875 .4351 4757, —.1596 —.2442 1.2893 —.4050 —.4808".
# Column 4 of Q-hat is printed '-.38' in all four off-diagonal rows (the value is -0.375): we
# keep the paper's 2 decimals and add no digit. The exact p^1 is printed '.254' (3 decimals).
T4 = PaperTable(
    "T4",
    "Prop 13 approximation (44) against the exact solution",
    "1666–1670 (P_hat, Q_hat), 1674–1681 (P_exact, Q_exact)",
    {
        "P_hat": ("-.29", "-.345", "-.4", "-.455", "-.51"),
        "Q_hat": (
            (".6", "-.225", "-.3", "-.38", "-.45"),
            ("-.15", ".9", "-.3", "-.38", "-.45"),
            ("-.15", "-.225", "1.2", "-.38", "-.45"),
            ("-.15", "-.225", "-.3", "1.5", "-.45"),
            ("-.15", "-.225", "-.3", "-.38", "1.8"),
        ),
        "P_exact": ("-.254", "-.3294", "-.3875", "-.4351", "-.4757"),
        "Q_exact": (
            (".6298", "-.2441", "-.3192", "-.3894", "-.4554"),
            ("-.1628", ".9653", "-.3256", "-.4010", "-.4727"),
            ("-.1596", "-.2442", "1.2893", "-.4050", "-.4808"),
            ("-.1557", "-.2406", "-.3240", "1.5983", "-.4835"),
            ("-.1518", "-.2364", "-.3205", "-.4029", "1.8924"),
        ),
    },
    (
        "P_hat: OCR '—[29.345.4.455.51]' -> -[.29, .345, .4, .455, .51] (the dots are the "
        "lost decimal points and separators; the factored minus is applied to each entry)",
        "Q_hat: lost decimal points restored: '6' -> '.6', '9' -> '.9', '12' -> '1.2', "
        "'15' -> '1.5', '18' -> '1.8' on the diagonal; '—3' -> '-.3', '—38' -> '-.38', "
        "'—15' -> '-.15', '—225' -> '-.225', '—45' -> '-.45' off it",
        "P_exact: merged with row 3 of Q_exact on one line and split off; '4757' -> '.4757'; "
        "the factored minus is applied",
        "Q_exact: '6298' -> '.6298'",
    ),
)

# --- T5: common-value example of Section 6, F = I + 0.2 in column 2, rows 1, 3, 4, 5 (seed lines
# 1907–1924; F itself is at 1907–1911), plus player 2's impact I^2 = 2.2 (footnote 30, 1941).
T5 = PaperTable(
    "T5",
    "Common-value example (Section 6): P, Q and player 2's impact I^2 (footnote 30)",
    "1918 (P), 1920–1924 (Q), 1941 (I^2)",
    {
        "P": ("-0.276", "-0.180", "-0.439", "-0.500", "-0.553"),
        "Q": (
            ("0.503", "-0.089", "-0.303", "-0.370", "-0.433"),
            ("-0.062", "0.335", "-0.113", "-0.134", "-0.154"),
            ("-0.151", "-0.085", "1.018", "-0.380", "-0.450"),
            ("-0.147", "-0.082", "-0.303", "1.259", "-0.451"),
            ("-0.143", "-0.079", "-0.299", "-0.375", "1.487"),
        ),
        "I2": ("2.2",),
    },
    (
        "P: OCR 'P =—1[0.276, ...]' -> -[0.276, ...] (the '1' is the bracket); the factored "
        "minus is applied to each entry",
        "Q row 3: the leading 'Q=' is the label, not an entry",
    ),
)

# --- T6: the exponential (CARA) examples of App. A.2, α = [1, 1.5, 2, 2.5, 3], r = 1,
# Σ = diag(σ) with σ = 0.1·1 (a) and σ = [.1, .3, .3, .1, .1] (b) (seed lines 2199–2229).
T6 = PaperTable(
    "T6",
    "Exponential model (App. A.2): P and Q for two shock vectors",
    "2199 (P_a), 2203–2209 (Q_a), 2219 (P_b), 2223–2229 (Q_b)",
    {
        "P_a": ("-.257", "-.334", "-.394", "-.443", "-.485"),
        "Q_a": (
            ("0.619", "-0.243", "-0.318", "-0.388", "-0.454"),
            ("-0.161", "0.953", "-0.324", "-0.400", "-0.472"),
            ("-0.157", "-0.242", "1.278", "-0.403", "-0.479"),
            ("-0.153", "-0.237", "-0.320", "1.589", "-0.481"),
            ("-0.147", "-0.231", "-0.315", "-0.398", "1.886"),
        ),
        "P_b": ("-.265", "-.358", "-.426", "-.463", "-.507"),
        "Q_b": (
            ("0.572", "-0.246", "-0.326", "-0.374", "-0.437"),
            ("-0.146", "0.951", "-0.322", "-0.374", "-0.445"),
            ("-0.131", "-0.222", "1.312", "-0.364", "-0.439"),
            ("-0.150", "-0.244", "-0.334", "1.500", "-0.467"),
            ("-0.145", "-0.239", "-0.330", "-0.387", "1.787"),
        ),
    },
    (
        "Q_b[2,2]: OCR '0951' -> '0.951' (lost decimal point)",
        "Q_b[3,1]: OCR '—0131' -> '-0.131' (lost decimal point)",
        "Q_b[3,3]: OCR '1312' -> '1.312' (lost decimal point)",
        "Q_a row 3 and Q_b row 3: the leading 'Q= |' / '@=|' is the label, not an entry",
    ),
)

TABLES: dict[str, PaperTable] = {t.table_id: t for t in (T1, T2, T3, T4, T5, T6)}


@dataclass(frozen=True)
class Cell:
    """One printed entry against our value.

    ``rounded`` and ``truncated`` are our value under each printing rule at the printed
    decimals; ``rule`` is ``"rounded"`` if rounding reproduces the printed number (whether or
    not truncation does too), ``"truncated"`` if only truncation does, ``None`` otherwise.
    ``match`` is ``None`` for an unreadable printed entry.
    """

    table: str
    block: str
    row: int
    col: int
    printed: str | None
    ours: float
    rounded: str | None
    truncated: str | None
    match: bool | None
    rule: str | None


def decimals(printed: str) -> int:
    """Number of decimals of a printed number: ``"-.4757"`` -> 4, ``"1"`` -> 0."""
    _, dot, frac = printed.partition(".")
    return len(frac) if dot else 0


def _apply(value: float, places: int, rounding: str) -> Decimal:
    guarded = Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-(places + GUARD)),
                                                   rounding=ROUND_HALF_EVEN)
    result = guarded.quantize(Decimal(1).scaleb(-places), rounding=rounding)
    return result.copy_abs() if result.is_zero() else result  # "-0" is a value's round-off sign


def _cell(table: str, block: str, row: int, col: int, printed: str | None,
          ours: float) -> Cell:
    if printed is None:
        return Cell(table, block, row, col, None, ours, None, None, None, None)
    places = decimals(printed)
    target = Decimal(printed)
    rounded = _apply(ours, places, ROUND_HALF_UP)
    truncated = _apply(ours, places, ROUND_DOWN)
    rule = ROUNDED if rounded == target else TRUNCATED if truncated == target else None
    return Cell(table, block, row, col, printed, float(ours), str(rounded), str(truncated),
                rule is not None, rule)


def compare(table_id: str, ours: Mapping[str, object]) -> list[Cell]:
    """Compare every printed cell of ``table_id`` (``"T1"`` .. ``"T6"``) with ``ours``.

    ``ours`` maps each block name of ``TABLES[table_id].blocks`` to an array of the same shape
    (vectors are 1-D; a vector's cells have ``row = 0``). Raises ``ValueError`` for an unknown
    table, missing or extra blocks, a shape mismatch or a non-finite value.
    """
    if table_id not in TABLES:
        raise ValueError(f"table_id must be one of {sorted(TABLES)}, got {table_id!r}")
    table = TABLES[table_id]
    if set(ours) != set(table.blocks):
        raise ValueError(f"{table_id}: ours must have exactly the blocks {sorted(table.blocks)}, "
                         f"got {sorted(ours)}")
    cells = []
    for name, printed in table.blocks.items():
        grid = np.array(printed, dtype=object)
        values = np.asarray(ours[name], dtype=float)
        if values.shape != grid.shape:
            raise ValueError(f"{table_id}.{name}: ours has shape {values.shape}, the paper "
                             f"prints {grid.shape}")
        if not np.all(np.isfinite(values)):
            raise ValueError(f"{table_id}.{name}: ours must be finite")
        grid2, values2 = np.atleast_2d(grid), np.atleast_2d(values)
        for (row, col), text in np.ndenumerate(grid2):
            cells.append(_cell(table_id, name, row, col, text, float(values2[row, col])))
    return cells


def mismatches(cells: list[Cell]) -> list[Cell]:
    """Readable cells that match under neither rule."""
    return [c for c in cells if c.match is False]


def truncation_only(cells: list[Cell]) -> list[Cell]:
    """Cells that match only when our value is truncated (rounding gives another number)."""
    return [c for c in cells if c.rule == TRUNCATED]


def common_value_example() -> np.ndarray:
    """The matrix F of the paper's asymmetric common-value example (Section 6, T5): identity,
    with 0.2 in column 2 of rows 1, 3, 4, 5 (reconstructed from merged digits; it reproduces
    the printed P, Q and I^2)."""
    F = np.eye(5)
    F[[0, 2, 3, 4], 1] = 0.2
    return F


def markdown(cells: list[Cell]) -> str:
    """Markdown: each printed cell, our value to 6 decimals, our value at the printed decimals
    under the rule that matched, the difference printed − ours (ours to 6 decimals) and the
    rule under which the cell is accepted ("rounded", "truncated" or **neither**)."""
    lines = ["| block | row | column | printed | ours | ours at the printed decimals "
             "| printed − ours | accepted as |",
             "|---|---:|---:|---:|---:|---:|---:|---|"]
    for c in cells:
        ours6 = _apply(c.ours, 6, ROUND_HALF_UP)
        if c.printed is None:
            lines.append(f"| {c.block} | {c.row + 1} | {c.col + 1} | unreadable | {ours6} "
                         "| — | — | — |")
            continue
        shown = c.truncated if c.rule == TRUNCATED else c.rounded
        difference = Decimal(c.printed) - ours6
        lines.append(f"| {c.block} | {c.row + 1} | {c.col + 1} | {c.printed} | {ours6} "
                     f"| {shown} | {difference:+.6f} | {c.rule or '**neither**'} |")
    return "\n".join(lines)


def columns(cells: list[Cell]) -> dict[str, list]:
    """Columns for ``lib.figures.save_table``: each cell, printed and ours unrounded."""
    return {"block": [c.block for c in cells], "row": [c.row + 1 for c in cells],
            "column": [c.col + 1 for c in cells],
            "printed": [c.printed or "" for c in cells], "ours": [c.ours for c in cells],
            "rule": [c.rule or "" for c in cells]}
