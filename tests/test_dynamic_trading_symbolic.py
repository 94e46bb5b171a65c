"""lib.dynamic_trading.symbolic: every residual of the eleven groups of checks is 0, the checks
can fail, and the sympy closed forms agree with the numpy ones of
lib.dynamic_trading.closed_forms."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from lib.dynamic_trading import closed_forms
from lib.dynamic_trading import symbolic as sym
from lib.symbolic import verify_zero


def test_groups_cover_every_result() -> None:
    labels = [label for label, _ in sym.checks()]
    assert len(labels) == len(set(labels))
    assert len(labels) == sum(len(sym.checks(group)) for group in sym.GROUPS)
    assert sym.GROUPS == ("Prop 12", "Prop 5", "Prop 6", "Prop 13", "Prop 7", "Prop 8", "Prop 9",
                          "common values", "front-running", "Lemma 1", "footnote 25",
                          "two traders")
    for group in sym.GROUPS:
        assert all(label.startswith(group + ": ") for label, _ in sym.checks(group))
    for needed in ("Prop 12: symbolic N", "Prop 12: P, Q and A^i in the FOC (15), N = 5",
                   "Prop 5: solve((15), (16), (17))", "Prop 13: (43) order 1",
                   "common values: symbolic N", "common values: N = 4: the closed form in the "
                   "common-value FOC", "front-running: N = 3: the fringe FOC (17)"):
        assert any(label.startswith(needed) for label in labels), needed


def test_unknown_group_is_rejected() -> None:
    with pytest.raises(ValueError, match="group must be one of"):
        sym.checks("nonsense")


def _nonzero(residual: sp.Expr) -> bool:
    return sp.simplify(residual) != 0


def test_wrong_closed_forms_leave_nonzero_residuals() -> None:
    r, b, N = sym.r, sym.b, sym.N
    # Prop 12 with kappa = r(N-1)/2 instead of r(N-2)/2 (N = 4). The FOC (15) is homogeneous in
    # Q and still holds; the Lyapunov equation (16) fails.
    P, Q, As = sym.symmetric(4)
    wrong_Q = Q * sp.Rational(3, 2)
    assert sym.sqnorm(sym.foc_residual(P, wrong_Q, As[0], 0)) == 0
    residual = sym.sqnorm(sym.lyapunov_residual(As[0], P, wrong_Q, b, 0))
    assert _nonzero(residual)
    with pytest.raises(AssertionError, match="not 0"):
        verify_zero("wrong kappa in Prop 12", residual)
    # Prop 12 with p = -b/(2 N r): the FOC (15) fails.
    assert _nonzero(sym.sqnorm(sym.foc_residual(P / 2, Q, As[0], 0)))
    # Paper (38) with a_jj = 0 (the paper's "j != k" misread): the Lyapunov equation fails.
    A = As[0].copy()
    A[1, 1] = 0
    assert _nonzero(sym.sqnorm(sym.lyapunov_residual(A, P, Q, b, 0)))
    # Prop 5 with P_2 = -c (b_L + b_F): the fringe FOC (17) fails.
    f = sym.large_vs_fringe()
    bad_P = f["P"].copy()
    bad_P[1] = -sym.bF * (sym.bL + sym.bF) / (r * (3 * sym.bF + sym.bL))
    assert _nonzero(sym.sqnorm(sym.fringe_foc_residual(bad_P, f["Q"], sym.bF)))
    # Prop 13 with x = (3N-4)/(4N): equal to the right x at N = 5 only.
    wrong_x = (3 * N - 4) / (4 * N)
    coefficients = sym.prop13_coefficients(wrong_x)
    assert _nonzero(coefficients[2].subs(sym.kappa, r * (N - 2) / 2))
    assert sp.simplify(coefficients[2].subs(sym.kappa, r * (N - 2) / 2).subs(N, 5)) == 0
    # Front-running with pi = (N-1) b_F/(r + kappa): the fringe FOC (17) fails.
    g = sym.frontrun(3, pi=2 * sym.bF / (r + sym.kappa))
    assert _nonzero(sym.sqnorm(sym.fringe_foc_residual(g["P"], g["Q"], sym.bF)))


def test_block_algebra_matches_full_matrices() -> None:
    rng = np.random.default_rng(1)
    u, v = (sym.Block(*[sp.Integer(int(k)) for k in rng.integers(-5, 6, 5)]) for _ in range(2))

    def full(m: sym.Block, n: int) -> sp.Matrix:
        M = sp.Matrix(n, n, lambda i, j: m.d if i == j else m.e)
        M[0, 1:], M[1:, 0], M[0, 0] = m.b * sp.ones(1, n - 1), m.c * sp.ones(n - 1, 1), m.a
        return M

    for n in (3, 5):
        product = u @ v
        assert full(product, n).subs(sym.N, n) == full(u, n) * full(v, n)
        col = full(u, n) * sp.Matrix([2] + [7] * (n - 1))
        assert [e.subs(sym.N, n) for e in u.apply((2, 7))] == [col[0], col[1]]


def _values(expr: sp.Matrix | sp.Expr, **values: float) -> np.ndarray:
    matrix = expr if isinstance(expr, sp.MatrixBase) else sp.Matrix([expr])
    return np.array(matrix.subs({getattr(sym, k): v for k, v in values.items()}), dtype=float)


def test_closed_forms_match_the_numeric_library() -> None:
    P, Q, As = sym.symmetric(5)
    Pn, Qn, _ = closed_forms.symmetric(5, 2.0, 1.5)
    np.testing.assert_allclose(_values(P, b=2, r=1.5).ravel(), Pn, atol=1e-14)
    np.testing.assert_allclose(_values(Q, b=2, r=1.5), Qn, atol=1e-14)
    np.testing.assert_allclose(_values(As[2], b=2, r=1.5),
                               closed_forms.symmetric_value_matrix(5, 2.0, 1.5, 2), atol=1e-14)
    f, fn = sym.large_vs_fringe(), closed_forms.large_vs_fringe(0.7, 1.3, 2.0)
    for key in ("P", "Q", "AL", "AF", "kappa"):
        np.testing.assert_allclose(_values(f[key], bL=0.7, bF=1.3, r=2).ravel(),
                                   np.ravel(fn[key]), atol=1e-14)
    c, cn = sym.commitment(), closed_forms.commitment(0.7, 1.3, 2.0, 3.0)
    q = 3.0 * 1.3 / 2.0
    for key in ("P", "Q", "AL", "W"):
        np.testing.assert_allclose(_values(c[key], bL=0.7, bF=1.3, r=2, q=q).ravel(),
                                   np.ravel(cn[key]), atol=1e-14)
    assert float(c["kappa_star"].subs({sym.bL: 0.7, sym.bF: 1.3, sym.r: 2})) == pytest.approx(
        closed_forms.commitment_optimal_kappa(0.7, 1.3, 2.0), rel=1e-14)
    fr = sym.frontrun(4)
    values = {"bL": 0.8, "bF": 1.4, "r": 1.1, "kappa": 0.9, "kappa_hat": 2.3}
    np.testing.assert_allclose(_values(fr["Q"], **values),
                               closed_forms.frontrun_flow(3, 0.8, 1.4, 0.9, 2.3), atol=1e-13)
    np.testing.assert_allclose(_values(fr["P"], **values).ravel(),
                               closed_forms.frontrun_price(3, 0.8, 1.4, 1.1, 2.3), atol=1e-13)


def test_common_value_root_matches_the_numeric_library() -> None:
    red = sym.symmetric_reduced(6, sym.phi)
    (root,) = [s for s in red["solutions"] if s[sym.kappa] not in (0, -sym.r)]
    _, _, kappa = closed_forms.common_value_symmetric(6, 2.0, 1.5, 0.1)
    value = root[sym.kappa].subs({sym.r: 1.5, sym.phi: sp.Rational(1, 10)})
    assert float(value) == pytest.approx(kappa, rel=1e-14)
