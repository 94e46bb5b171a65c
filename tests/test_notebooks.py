"""lib.notebooks.embed_figures: a re-run notebook shows its figures with no other file."""

from __future__ import annotations

import base64

import nbformat
import pytest

from lib import notebooks

FIGURE = """Text before.

```{figure} ../figures/ch/ch-fig01.png
:name: ch-fig01
:width: 85%

The caption, with $x$.
Download: {download}`png <../figures/ch/ch-fig01.png>`,
{download}`csv <../figures/ch/ch-fig01.csv>`.
```

See also ../figures/ch/ch-fig01.json."""


def _notebook(tmp_path, source: str):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(source), nbformat.v4.new_code_cell("1")]
    path = tmp_path / "ch.ipynb"
    nbformat.write(nb, path)
    return path


def test_figures_become_attachments_with_caption_and_id(tmp_path) -> None:
    (tmp_path / "ch-fig01.png").write_bytes(b"\x89PNG fake")
    path = _notebook(tmp_path, FIGURE)
    assert notebooks.embed_figures(path) == 1
    cell = nbformat.read(path, as_version=4).cells[0]
    assert cell.attachments == {"ch-fig01.png": {
        "image/png": base64.b64encode(b"\x89PNG fake").decode("ascii")}}
    assert cell.source == ("Text before.\n\n![ch-fig01](attachment:ch-fig01.png)\n\n"
                           "**ch-fig01.** The caption, with $x$.\n"
                           "Download: [png](ch-fig01.png),\n[csv](ch-fig01.csv).\n\n"
                           "See also ch-fig01.json.")


def test_a_figure_the_run_did_not_write_is_an_error(tmp_path) -> None:
    path = _notebook(tmp_path, FIGURE)
    with pytest.raises(ValueError, match=r"figure ch-fig01\.png is shown by the chapter but"):
        notebooks.embed_figures(path)
