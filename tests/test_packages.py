"""Each model package's ``__init__`` exports its entry points: the objects of its modules,
under the same names; the liquidity-pools package without importing torch until a network is
asked for."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys

import pytest

from lib.book import MODEL_PACKAGES


@pytest.mark.parametrize("package", [p for p in MODEL_PACKAGES if p != "lib.execution"])
def test_a_package_exports_its_modules_objects_under_their_names(package: str) -> None:
    module = importlib.import_module(package)
    inner = [importlib.import_module(f"{package}.{info.name}")
             for info in pkgutil.iter_modules(module.__path__)]
    assert module.__all__ and len(module.__all__) == len(set(module.__all__))
    homeless = [name for name in module.__all__
                if not any(getattr(m, name, None) is getattr(module, name) for m in inner)]
    assert homeless == []
    assert set(module.__all__) <= set(dir(module))
    with pytest.raises(AttributeError, match="no attribute 'no_such_name'"):
        module.no_such_name  # noqa: B018


def test_the_liquidity_pools_package_loads_torch_only_for_the_networks() -> None:
    code = ("import sys, lib.liquidity_pools as lp; lp.default_params(); lp.FDGrid; "
            "before = 'torch' in sys.modules; lp.NNConfig; print(before, 'torch' in sys.modules)")
    shown = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                           text=True).stdout.split()
    assert shown == ["False", "True"]
