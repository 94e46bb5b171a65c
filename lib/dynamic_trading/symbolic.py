"""Symbolic verification of the closed forms of Sannikov & Skrzypacz (2016), as data.

Every check is a pair ``(label, residual)`` whose residual must simplify to 0; the chapter
passes each to ``lib.symbolic.verify_zero`` and the tests assert the same. A matrix or vector
equation is one check whose residual is the sum of its squared entries, each reduced by
``sympy.cancel`` (``sqnorm``): all symbols are real, so it is 0 exactly when every entry is.
A set equality ("solve returns exactly these roots") is a count of mismatches, which must be 0.

The equilibrium conditions are the paper's: (15) (truthtelling FOC), (16) (Lyapunov equation
of the value matrix), (17) (fringe FOC) and the FOC with common values (book eqs. (dt-foc),
(dt-lyapunov), (dt-fringe-foc) and (dt-common-foc)). Each group of checks is named after the
result it verifies. Symmetric markets with
symbolic ``N`` are reduced with ``Block``: matrices that single out player 1 and treat the
other ``n = N - 1`` players alike. Prop 13 is checked in the algebra spanned by
``I, S, D, DS, SD`` (``D = diag(eps)``, ``S`` all ones) to first order in ``eps``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import NamedTuple

import sympy as sp

from lib.symbolic import select_checks

__all__ = [
    "GROUPS",
    "Block",
    "checks",
    "commitment",
    "foc_residual",
    "fringe_foc_residual",
    "frontrun",
    "large_vs_fringe",
    "lyapunov_residual",
    "prop13_coefficients",
    "sqnorm",
    "symmetric",
    "symmetric_reduced",
]

Check = tuple[str, sp.Expr]

r, b, bL, bF = sp.symbols("r b b_L b_F", positive=True)
N = sp.Symbol("N", positive=True, integer=True)
phi, beta1, q = sp.symbols("phi beta_1 q", positive=True)
kappa, kappa_hat, p, x = sp.symbols("kappa kappahat p x", real=True)
sigma, sigma_L, sigma_t, T = sp.symbols("sigma sigma_L sigmatilde T", positive=True)
X1, X2, qL, t = sp.symbols("X_1 X_2 q_L t", real=True)


def sqnorm(*residuals: sp.Matrix | sp.Expr) -> sp.Expr:
    """Sum of the squared entries of ``residuals``, each reduced by ``cancel`` (0 iff all are)."""
    entries = [e for m in residuals for e in (m if isinstance(m, sp.MatrixBase) else [m])]
    return sp.Add(*[sp.cancel(e) ** 2 for e in entries])


def _mismatches(found: list[sp.Expr], expected: list[sp.Expr]) -> sp.Integer:
    """How many elements of either list have no equal (``simplify(a - b) == 0``) in the other."""
    def missing(a: list[sp.Expr], c: list[sp.Expr]) -> int:
        return sum(all(sp.simplify(u - v) != 0 for v in c) for u in a)
    return sp.Integer(missing(found, expected) + missing(expected, found))


def _unit(n: int, i: int) -> sp.Matrix:
    E = sp.zeros(n, n)
    E[i, i] = 1
    return E


# --- Equilibrium conditions (full matrices) ----------------------------------------------------

def lyapunov_residual(A: sp.Matrix, P: sp.Matrix, Q: sp.Matrix, b_i: sp.Expr,
                      i: int) -> sp.Matrix:
    """Paper (16): ``r A + A Q + Q' A - (P' Q_i. + Q_i.' P)/2 + (b_i/2) E_ii`` (``P`` a row)."""
    return (r * A + A * Q + Q.T * A - (P.T * Q[i, :] + Q[i, :].T * P) / 2
            + b_i / 2 * _unit(Q.rows, i))


def foc_residual(P: sp.Matrix, Q: sp.Matrix, A: sp.Matrix, i: int,
                 F: sp.Matrix | None = None) -> sp.Matrix:
    """Paper (15), ``p^i Q_i. + q^ii P - 2 (A^i Q_.i)'``; with a common-value ``F`` it is
    (dt-common-foc),
    ``(P F_.i) Q_i. + (Q_i. F_.i) P - 2 (A^i Q F_.i)'``."""
    f = sp.eye(Q.rows)[:, i] if F is None else F[:, i]
    return (P * f)[0] * Q[i, :] + (Q[i, :] * f)[0] * P - 2 * (A * Q * f).T


def fringe_foc_residual(P: sp.Matrix, Q: sp.Matrix, b_N: sp.Expr) -> sp.Matrix:
    """Paper (17), the fringe (last player) FOC: ``r P + P Q + b^N e_N'``."""
    e = sp.zeros(1, Q.rows)
    e[-1] = b_N
    return r * P + P * Q + e


# --- Closed forms ------------------------------------------------------------------------------

def symmetric(n_players: int, b_: sp.Expr = b) -> tuple[sp.Matrix, sp.Matrix, list[sp.Matrix]]:
    """Prop 12: ``P``, ``Q`` (dt-symmetric) and the value matrices ``A^i`` (paper (38))."""
    M = n_players
    k = r * (M - 2) / 2
    P = -b_ / (M * r) * sp.ones(1, M)
    Q = k * (sp.eye(M) - sp.ones(M, M) / M)
    As = []
    for i in range(M):
        def entry(j: int, m: int, i: int = i) -> sp.Expr:
            if j == m == i:
                return -b_ * (3 * M - 2) / (2 * r * M**2)
            if i in (j, m):
                return -b_ * (M - 2) / (2 * r * M**2)
            return b_ * (M - 2) / (2 * r * (M - 1) * M**2)

        A = sp.Matrix(M, M, entry)
        As.append(A)
    return P, Q, As


def large_vs_fringe(bL_: sp.Expr = bL, bF_: sp.Expr = bF) -> dict[str, sp.Matrix | sp.Expr]:
    """Prop 5 (paper (18)–(19)): ``P``, ``Q``, ``kappa``, ``AL``, ``AF``; player 1 large, 2 the
    fringe."""
    c = bF_ / (r * (3 * bF_ + bL_))
    return {
        "P": -c * sp.Matrix([[bL_, bL_ + 2 * bF_]]),
        "Q": r / (2 * bF_) * sp.Matrix([[bL_, -bF_], [-bL_, bF_]]),
        "kappa": r * (bL_ + bF_) / (2 * bF_),
        "AL": c / 2 * sp.Matrix([[-3 * bL_, -bL_], [-bL_, bF_]]),
        "AF": c / (2 * (2 * bF_ + bL_)) * sp.Matrix(
            [[bL_**2, -bL_ * bF_], [-bL_ * bF_, -(bL_**2 + 5 * bL_ * bF_ + 5 * bF_**2)]]),
    }


def commitment() -> dict[str, sp.Matrix | sp.Expr]:
    """Prop 8 (paper (62)) in ``q = kappa bF/(bL + bF)``: ``Q``, ``P``, ``AL``, ``W``, ``d1``,
    ``d2``, the quadratic ``g`` with the sign of ``W'`` and the optimal speed ``kappa_star``."""
    d1, d2 = r * bF + q * (bL + bF), r * bF + 2 * q * (bL + bF)
    a11 = -bF * bL * (2 * bF * q**2 + 3 * bF * q * r + bF * r**2 + 4 * bL * q**2 + bL * q * r)
    a12 = -2 * bF * bL * q * (bF * r + bL * q)
    a22 = 2 * bF**2 * q * (bF * r + bL * q)
    return {
        "Q": q / bF * sp.Matrix([[bL, -bF], [-bL, bF]]),
        "P": -bF / (r * d1) * sp.Matrix([[q * bL, r * bF + q * bL]]),
        "AL": sp.Matrix([[a11, a12], [a12, a22]]) / (2 * r * d1 * d2),
        "W": bF * (q * (2 * bF - bL) * (bF + bL) - r * bF * bL) / (2 * d1 * d2),
        "d1": d1,
        "d2": d2,
        "g": bF**2 * r**2 + 2 * bF * bL * r * q - (2 * bF - bL) * (bF + bL) * q**2,
        "kappa_star": r * (bL + sp.sqrt(bF * (2 * bF + bL))) / (2 * bF - bL),
    }


def frontrun(n_players: int, pi: sp.Expr | None = None) -> dict[str, sp.Matrix]:
    """Section 5.6 (paper (47)), ``N - 1`` large players ``bL`` and a fringe ``bF``: ``U``, ``K``,
    ``Q = U K U^-1``, ``Pi = [-1/r, 0, .., 0, pi]`` and ``P = Pi U^-1``; the default
    ``pi = (N-1) bF/(r + kappa_hat)``."""
    M = n_players
    U = sp.zeros(M, M)
    U[:, 0] = sp.Matrix([1 / bL] * (M - 1) + [1 / bF])
    for j in range(1, M - 1):
        U[0, j], U[j, j] = 1, -1
    U[:, M - 1] = sp.Matrix([1] * (M - 1) + [1 - M])
    K = sp.diag(0, *[kappa] * (M - 2), kappa_hat)
    pi = (M - 1) * bF / (r + kappa_hat) if pi is None else pi
    Pi = sp.Matrix([[-1 / r] + [0] * (M - 2) + [pi]])
    Uinv = U.inv()
    return {"U": U, "K": K, "Q": U * K * Uinv, "Pi": Pi, "P": Pi * Uinv}


# --- Symmetric markets for symbolic N ----------------------------------------------------------

class Block(NamedTuple):
    """``[[a, b 1'], [c 1, d I + e (S - I)]]``: player 1, then ``n = N - 1`` interchangeable
    players. Products are in terms of the symbol ``N``; substitute it for a given size."""

    a: sp.Expr
    b: sp.Expr
    c: sp.Expr
    d: sp.Expr
    e: sp.Expr

    def __matmul__(self, o: Block) -> Block:
        n = N - 1
        return Block(self.a * o.a + n * self.b * o.c, self.a * o.b + self.b * (o.d + (n - 1) * o.e),
                     self.c * o.a + (self.d + (n - 1) * self.e) * o.c,
                     self.c * o.b + self.d * o.d + (n - 1) * self.e * o.e,
                     self.c * o.b + self.d * o.e + self.e * o.d + (n - 2) * self.e * o.e)

    def apply(self, v: tuple[sp.Expr, sp.Expr]) -> tuple[sp.Expr, sp.Expr]:
        """The block times the column ``[v0, v1 1]``."""
        n = N - 1
        return self.a * v[0] + n * self.b * v[1], self.c * v[0] + (self.d + (n - 1) * self.e) * v[1]


def _lin(*terms: tuple[sp.Expr, Block]) -> Block:
    return Block(*[sp.Add(*[c * m[j] for c, m in terms]) for j in range(5)])


def _outer(col: tuple[sp.Expr, sp.Expr], row: tuple[sp.Expr, sp.Expr]) -> Block:
    return Block(col[0] * row[0], col[0] * row[1], col[1] * row[0], col[1] * row[1],
                 col[1] * row[1])


_I, _S, _E = Block(1, 0, 0, 1, 0), Block(1, 1, 1, 1, 1), Block(1, 0, 0, 0, 0)


def symmetric_reduced(n_players: sp.Expr = N, phi_: sp.Expr = phi) -> dict[str, object]:
    """Player 1's Lyapunov equation (16) and common-value FOC for ``P = p 1'``,
    ``Q = kappa (I - S/N)``, ``F = (1-phi) I + phi S``.

    The Lyapunov equation (symmetric, so four entries) is solved for ``A^1`` (a ``Block``;
    unique when ``(r + kappa)(r + 2 kappa) != 0``) and the numerators of the FOC for
    ``(p, kappa)``. Returns ``A`` (in ``p``, ``kappa``) and ``solutions``. ``phi = 0`` is Prop 12
    (FOC (15)); ``n_players`` may be symbolic or an integer.
    """
    a = sp.symbols("a_11 a_12 a_22 a_23")
    A = Block(a[0], a[1], a[1], a[2], a[3])
    Q = _lin((kappa, _I), (-kappa / N, _S))
    row1, P = (Q.a, Q.b), (p, p)
    R = _lin((r, A), (1, A @ Q), (1, Block(Q.a, Q.c, Q.b, Q.d, Q.e) @ A),
             (-sp.Rational(1, 2), _outer(P, row1)), (-sp.Rational(1, 2), _outer(row1, P)),
             (b / 2, _E))
    (sol,) = sp.solve([R.a, R.b, R.d, R.e], a, dict=True)
    A = Block(*[sp.factor(m.subs(sol)) for m in A])
    F = _lin((1 - phi_, _I), (phi_, _S))
    f = (F.a, F.c)
    Pf, Qf = P[0] * f[0] + (N - 1) * P[1] * f[1], row1[0] * f[0] + (N - 1) * row1[1] * f[1]
    AQf = A.apply(Q.apply(f))
    foc = [sp.numer(sp.together(Pf * row1[j] + Qf * P[j] - 2 * AQf[j])) for j in range(2)]
    subs = {N: n_players}
    return {"A": Block(*[m.subs(subs) for m in A]),
            "solutions": sp.solve([sp.factor(e.subs(subs)) for e in foc], [p, kappa], dict=True)}


def _full(blk: Block, n_players: int) -> sp.Matrix:
    """The ``n_players x n_players`` matrix of ``blk``."""
    M = sp.Matrix(n_players, n_players, lambda i, j: blk.d if i == j else blk.e)
    M[0, 1:] = blk.b * sp.ones(1, n_players - 1)
    M[1:, 0] = blk.c * sp.ones(n_players - 1, 1)
    M[0, 0] = blk.a
    return M


def _permute(A: sp.Matrix, i: int) -> sp.Matrix:
    """``A`` of player 1 relabelled as player ``i`` (swap players 1 and ``i``)."""
    order = list(range(A.rows))
    order[0], order[i] = i, 0
    return A.extract(order, order)


# --- Prop 13: first order in eps, basis I, S, D, DS, SD with S D S = 0 --------------------------

_Alg = tuple[sp.Expr, sp.Expr, sp.Expr, sp.Expr, sp.Expr]


def _amul(u: _Alg, v: _Alg) -> _Alg:
    uI, uS, uD, uDS, uSD = u
    vI, vS, vD, vDS, vSD = v
    return (uI * vI, uI * vS + uS * vI + N * uS * vS, uI * vD + uD * vI,
            uI * vDS + uDS * vI + uD * vS + N * uDS * vS,
            uI * vSD + uSD * vI + uS * vD + N * uS * vSD)


def _alin(*terms: tuple[sp.Expr, _Alg]) -> _Alg:
    return tuple(sp.Add(*[c * m[j] for c, m in terms]) for j in range(5))


def prop13_coefficients(x_: sp.Expr = x) -> tuple[sp.Expr, ...]:
    """Coefficients of ``I, S, D, DS, SD`` in paper (43),
    ``D_Lam Q - D_b - (1 P - D_I Q)(r I + Q)``, at ``P = Pbar (I + x D)`` and
    ``Q = kappa (I - S/N)(I + D)`` (paper (41)), to first order in ``eps``.

    ``D_I`` (``I^i = -p^i/q^ii``) and ``D_Lam`` (``Lam^i = 1/(r sum_{j != i} 1/b^j)``, with
    ``sum_{j != i} eps^j = -eps^i``) are expanded from their exact scalar forms.
    """
    eps = sp.Symbol("epsilon")
    one, S, D, SD = (1, 0, 0, 0, 0), (0, 1, 0, 0, 0), (0, 0, 1, 0, 0), (0, 0, 0, 0, 1)

    def diag(f: sp.Expr) -> _Alg:
        s = sp.series(f, eps, 0, 2).removeO()
        return _alin((s.coeff(eps, 0), one), (s.coeff(eps, 1), D))

    pbar = -b / (N * r)
    Q = _alin((kappa, one), (kappa, D), (-kappa / N, S), (-kappa / N, SD))
    DI = diag(-pbar * (1 + x_ * eps) / (kappa * (N - 1) / N * (1 + eps)))
    DLam = diag(b / (r * (N - 1 + eps)))
    left = _alin((pbar, S), (pbar * x_, SD), (-1, _amul(DI, Q)))
    R = _alin((1, _amul(DLam, Q)), (-b, one), (-b, D), (-1, _amul(left, _alin((r, one), (1, Q)))))
    return tuple(sp.factor(c) for c in R)


# --- Groups --------------------------------------------------------------------------------------

@cache
def _prop12() -> tuple[Check, ...]:
    out: list[Check] = []
    for M in (3, 4, 5):
        P, Q, As = symmetric(M)
        out += [
            (f"Prop 12: P, Q and A^i in the FOC (15), N = {M}, every player",
             sqnorm(*[foc_residual(P, Q, A, i) for i, A in enumerate(As)])),
            (f"Prop 12: A^i (38) in the Lyapunov equation (16), N = {M}, every player",
             sqnorm(*[lyapunov_residual(A, P, Q, b, i) for i, A in enumerate(As)])),
            (f"Prop 12: column sums of Q, N = {M}", sqnorm(sp.ones(1, M) * Q)),
        ]
    k12 = r * (N - 2) / 2
    red = symmetric_reduced(N, 0)
    sols = red["solutions"]
    nondeg = [s for s in sols if s[kappa] not in (0, -r)]
    root = nondeg[0]
    A = Block(*[m.subs(root) for m in red["A"]])
    paper38 = (-b * (3 * N - 2), -b * (N - 2), -b * (N - 2), b * (N - 2) / (N - 1),
           b * (N - 2) / (N - 1))
    out += [
        ("Prop 12: symbolic N, reduced FOC (15) and Lyapunov equation (16): mismatches of the "
         "kappa roots against {0 (no trade), -r ((16) singular), r(N-2)/2}",
         _mismatches([s[kappa] for s in sols], [sp.Integer(0), -r, k12])),
        ("Prop 12: symbolic N: number of roots with kappa not in {0, -r}, minus 1",
         sp.Integer(len(nondeg) - 1)),
        ("Prop 12: symbolic N: that root minus the closed form (p + b/(N r), kappa - r(N-2)/2)",
         sqnorm(sp.Matrix([root[p] + b / (N * r), root[kappa] - k12]))),
        ("Prop 12: symbolic N: A^1 solved from (16) minus (38) (a_11, a_12, a_21, a_22, a_23)",
         sqnorm(sp.Matrix([m - e / (2 * r * N**2) for m, e in zip(A, paper38, strict=True)]))),
        ("Prop 12: I = -p/q^ii minus 2b/(r^2 (N-1)(N-2))",
         sp.cancel(b / (N * r) / (k12 * (N - 1) / N) - 2 * b / (r**2 * (N - 1) * (N - 2)))),
    ]
    return tuple(out)


@cache
def _prop5() -> tuple[Check, ...]:
    f = large_vs_fringe()
    P, Q, AL, AF, k = f["P"], f["Q"], f["AL"], f["AF"], f["kappa"]
    inv_b = sp.Matrix([1 / bL, 1 / bF])
    # Uniqueness: (17) gives P, (16) gives A^L, then (15) is two equations in q_L = Q_11,
    # q_F = Q_22.
    pL, pF, qF = sp.symbols("p_L p_F q_F")
    a = sp.symbols("a_11 a_12 a_22")
    Pu, Qu = sp.Matrix([[pL, pF]]), sp.Matrix([[qL, -qF], [-qL, qF]])
    Au = sp.Matrix([[a[0], a[1]], [a[1], a[2]]])
    (psol,) = sp.solve(list(fringe_foc_residual(Pu, Qu, bF)), [pL, pF], dict=True)
    Pu = Pu.subs(psol)
    (asol,) = sp.solve(list(lyapunov_residual(Au, Pu, Qu, bL, 0)), a, dict=True)
    foc = [sp.numer(sp.factor(e)) for e in foc_residual(Pu, Qu, Au.subs(asol), 0)]
    roots = sp.solve(foc, [qL, qF], dict=True)
    good = [s for s in roots if s.get(qL, qL) != 0 and sp.simplify(r + s[qL] + s[qF]) != 0]
    I_inst = -P[0] / Q[0, 0]
    deg_P, deg_Q = sp.Matrix([[0, -bF / r]]), sp.zeros(2, 2)
    deg_A = sp.diag(-bL / (2 * r), 0)
    return (
        ("Prop 5: P, Q, A^L in the FOC (15) (large player)", sqnorm(foc_residual(P, Q, AL, 0))),
        ("Prop 5: P, Q, A^L in the Lyapunov equation (16) (large player)",
         sqnorm(lyapunov_residual(AL, P, Q, bL, 0))),
        ("Prop 5: P, Q, A^F in the Lyapunov equation (16) (fringe)",
         sqnorm(lyapunov_residual(AF, P, Q, bF, 1))),
        ("Prop 5: P, Q in the fringe FOC (17)", sqnorm(fringe_foc_residual(P, Q, bF))),
        ("Prop 5: column sums of Q", sqnorm(sp.ones(1, 2) * Q)),
        ("Prop 5: solve((15), (16), (17)): roots with q_L != 0 and r + kappa != 0 "
         "(else (17) has no P), minus 1", sp.Integer(len(good) - 1)),
        ("Prop 5: that root minus the closed form (q_L, q_F)",
         sqnorm(sp.Matrix([good[0][qL] - Q[0, 0], good[0][qF] - Q[1, 1]]))),
        ("Prop 5: Q (1/b) (eigenvalue 0)", sqnorm(Q * inv_b)),
        ("Prop 5: Q [1, -1]' - kappa [1, -1]' (eigenvalue kappa, (19))",
         sqnorm(Q * sp.Matrix([1, -1]) - k * sp.Matrix([1, -1]))),
        ("Prop 5: P (1/b) + 1/r", sqnorm((P * inv_b)[0] + 1 / r)),
        ("Prop 5: kappa at share 1/N (b_L = 1, b_F = 1/(N-1)) minus r N/2",
         sp.cancel(k.subs({bL: 1, bF: 1 / (N - 1)}) - r * N / 2)),
        ("Prop 5: I = -p^1/q^11 minus Lambda/(r + kappa) (20)",
         sp.cancel(I_inst - bF / r / (r + k))),
        ("Prop 5: I minus 2 b_F^2/(r^2 (3 b_F + b_L))",
         sp.cancel(I_inst - 2 * bF**2 / (r**2 * (3 * bF + bL)))),
        ("Prop 5: p0 = P [1, -1]' minus 2 b_F^2/(r (3 b_F + b_L))",
         sp.cancel((P * sp.Matrix([1, -1]))[0] - 2 * bF**2 / (r * (3 * bF + bL)))),
        ("Prop 5: footnote 33 (degenerate, Q = 0) in (15), (16) (large player) and (17)",
         sqnorm(foc_residual(deg_P, deg_Q, deg_A, 0), lyapunov_residual(deg_A, deg_P, deg_Q, bL, 0),
                fringe_foc_residual(deg_P, deg_Q, bF))),
    )


@cache
def _prop6() -> tuple[Check, ...]:
    f = large_vs_fringe()
    P, Q = f["P"], f["Q"]
    XF = X2
    belief = bF / bL * (2 * qL / r + XF)
    I_inst = 2 * bF**2 / (r**2 * (3 * bF + bL))
    X0 = sp.Matrix([1, -1])
    return (
        ("Prop 6: (21) Q_1. [Xhat_L, X_F]' minus q_L (the belief inverts row 1 of Q)",
         sp.cancel((Q[0, :] * sp.Matrix([belief, XF]))[0] - qL)),
        ("Prop 6: (20) P [Xhat_L, X_F]' minus (-(b_F/r) X_F - I q_L)",
         sp.cancel((P * sp.Matrix([belief, XF]))[0] + bF / r * XF + I_inst * qL)),
        ("Prop 6: at X0 = [1, -1], q_L = Q_1. X0: -(b_F/r) X_F - I q_L minus p0 (Prop 5)",
         sp.cancel(bF / r - I_inst * (Q[0, :] * X0)[0] - (P * X0)[0])),
    )


@cache
def _prop13() -> tuple[Check, ...]:
    cI, cS, cD, cDS, cSD = prop13_coefficients()
    k12 = r * (N - 2) / 2
    x13 = (3 * N - 4) / (N * (N - 1))
    expected = {"D": ("N^2 r - 2N(r+kappa) + 3kappa + r",
                  N**2 * r - 2 * N * (r + kappa) + 3 * kappa + r),
            "DS": ("(N-1) r + kappa", (N - 1) * r + kappa), "SD": ("3kappa + r", 3 * kappa + r)}
    out: list[Check] = [
        ("Prop 13: (43) order 0: roots kappa of the I coefficient minus {r(N-2)/2}",
         _mismatches(sp.solve(cI, kappa), [k12])),
        ("Prop 13: (43) order 0: the S coefficient at kappa = r(N-2)/2",
         sp.cancel(cS.subs(kappa, k12))),
    ]
    for name, c in (("D", cD), ("DS", cDS), ("SD", cSD)):
        (xs,) = sp.solve(c, x)
        out += [
            (f"Prop 13: (43) order 1, {name} coefficient solved for x, minus "
             f"({expected[name][0]})/((N-1)(r+kappa))",
             sp.cancel(xs - expected[name][1] / ((N - 1) * (r + kappa)))),
            (f"Prop 13: (43) order 1, {name} coefficient at kappa = r(N-2)/2, x = (3N-4)/(N(N-1))",
             sp.cancel(c.subs({kappa: k12, x: x13}))),
        ]
    both = sp.solve([cDS, cSD], [x, kappa], dict=True)
    eps = sp.Symbol("epsilon")
    inst = sp.series(b / (N * r) * (1 + x13 * eps) / (k12 * (N - 1) / N * (1 + eps)), eps, 0, 2)
    lam = sp.series(b / (r * (N - 1 + eps)), eps, 0, 2)
    es = sp.symbols("epsilon_1:4")
    scale = [1 + e for e in es] + [1 - sum(es)]
    Qhat = kappa * (sp.eye(4) - sp.ones(4, 4) / 4) * sp.diag(*scale)
    out += [
        ("Prop 13: DS and SD coefficients alone: number of roots (x, kappa), minus 1",
         sp.Integer(len(both) - 1)),
        ("Prop 13: that root minus (x, kappa) = ((3N-4)/(N(N-1)), r(N-2)/2)",
         sqnorm(sp.Matrix([both[0][x] - x13, both[0][kappa] - k12]))),
        ("Prop 13: (42) first-order coefficient of I^i/I minus -(N-2)^2/(N(N-1))",
         sp.cancel(inst.coeff(eps, 1) / inst.coeff(eps, 0) + (N - 2) ** 2 / (N * (N - 1)))),
        ("Prop 13: (42) first-order coefficient of Lambda^i/Lambda minus -1/(N-1)",
         sp.cancel(lam.coeff(eps, 1) / lam.coeff(eps, 0) + 1 / (N - 1))),
        ("Prop 13: (41) Qhat (1/b) exactly, N = 4, sum eps = 0",
         sqnorm(Qhat * sp.Matrix([1 / (b * s) for s in scale]))),
    ]
    return tuple(out)


@cache
def _prop7() -> tuple[Check, ...]:
    beta2 = 1 - beta1
    post = sp.Matrix([[-3, -1], [-1, beta1 / beta2]]) / (2 * r * (2 * beta1 + 1))
    pre = sp.Matrix([[beta1 - 2, beta1 - 1], [beta1 - 1, beta1]]) / (2 * r)
    X = sp.Matrix([X1, X2])
    total = X1 + X2
    split = beta1 * (-total**2 / (2 * r)) + (-total / r) * (beta2 * X1 - beta1 * X2)
    c = (2 * beta1 - 1) / (2 * r * beta2 * (2 * beta1 + 1))
    v = sp.Matrix([beta2, -beta1])
    s11, s12, s22 = sp.symbols("s_11 s_12 s_22", real=True)
    SS = sp.Matrix([[s11, s12], [s12, s22]])
    change = (X.T * (post - pre) * X)[0] + (SS * (post - pre)).trace() / r
    return (
        ("Prop 7: (61) minus Prop 5's A^L at b_L = 1/beta_1, b_F = 1/(1 - beta_1)",
         sqnorm(post - large_vs_fringe(1 / beta1, 1 / beta2)["AL"])),
        ("Prop 7: (60) X' A^pre X minus the fringe split beta_1 X'A^N X + p (X^1 - beta_1 X)",
         sp.expand((X.T * pre * X)[0] - split)),
        ("Prop 7: A^L - A^pre minus c(beta_1) v v'", sqnorm(post - pre - c * v * v.T)),
        ("Prop 7: welfare change X0'(dA)X0 + tr(SS' dA)/r minus c [(v'X0)^2 + v'SS'v/r]",
         sp.cancel(change - c * ((v.T * X)[0] ** 2 + (v.T * SS * v)[0] / r))),
        ("Prop 7: c(1/2)", c.subs(beta1, sp.Rational(1, 2))),
        ("Prop 7: c(1/10) + 10/(27 r)",
         sp.cancel(c.subs(beta1, sp.Rational(1, 10)) + 10 / (27 * r))),
    )


@cache
def _prop8() -> tuple[Check, ...]:
    f = commitment()
    Q, P, AL, W, d1, d2, g = (f[key] for key in ("Q", "P", "AL", "W", "d1", "d2", "g"))
    kappa_star = f["kappa_star"]
    quadratic = bF * r**2 + 2 * bL * r * q - q**2 * (bL - bL**2 / bF + 2 * bF)
    w = sp.Matrix([bL, -bF])
    one = sp.Matrix([1, -1])
    p1, p2 = sp.symbols("p_1 p_2")
    (psol,) = sp.solve(list(fringe_foc_residual(sp.Matrix([[p1, p2]]), Q, bF)), [p1, p2], dict=True)
    return (
        ("Prop 8: Q(q) minus kappa/(b_L + b_F) [[b_L, -b_F], [-b_L, b_F]], "
         "q = kappa b_F/(b_L + b_F)",
         sqnorm((Q - kappa / (bL + bF) * sp.Matrix([[bL, -bF], [-bL, bF]])).subs(
             q, kappa * bF / (bL + bF)))),
        ("Prop 8: P(q) (62) minus the unique solution of the fringe FOC (17)",
         sqnorm(P - sp.Matrix([[psol[p1], psol[p2]]]))),
        ("Prop 8: A^L(q) in the Lyapunov equation (16) (large player)",
         sqnorm(lyapunov_residual(AL, P, Q, bL, 0))),
        ("Prop 8: W(q) minus [1, -1] A^L [1, -1]'", sp.cancel(W - (one.T * AL * one)[0])),
        ("Prop 8: W as q -> oo", sp.limit(W, q, sp.oo)),
        ("Prop 8: A^L(r/2) minus Prop 5's A^L",
         sqnorm(AL.subs(q, r / 2) - large_vs_fringe()["AL"])),
        ("Prop 8: dA^L/dq minus b_F g(q) w w'/(d1 d2)^2, w = (b_L, -b_F)",
         sqnorm(AL.diff(q) - bF * g * w * w.T / (d1 * d2) ** 2)),
        ("Prop 8: W'(q) minus b_F (b_L + b_F)^2 g(q)/(d1 d2)^2",
         sp.cancel(W.diff(q) - bF * (bL + bF) ** 2 * g / (d1 * d2) ** 2)),
        ("Prop 8: g(q) minus b_F times the paper's quadratic (general r)",
         sp.cancel(g - bF * quadratic)),
        ("Prop 8: the quadratic at q = r/2 minus r^2 (2 b_F + b_L)(b_F + b_L)/(4 b_F)",
         sp.cancel(quadratic.subs(q, r / 2) - r**2 * (2 * bF + bL) * (bF + bL) / (4 * bF))),
        ("Prop 8: g at q* = kappa* b_F/(b_L + b_F)",
         sp.expand(g.subs(q, kappa_star * bF / (bL + bF)) * (2 * bF - bL) ** 2 / bF**2)),
        ("Prop 8: q^2 coefficient of g at share 1/3 (b_L = 2 b_F)",
         sp.expand(g).coeff(q, 2).subs(bL, 2 * bF)),
        ("Prop 8: kappa* at share 1/2 (b_L = b_F = 2, r = 1) minus (1 + sqrt 3)",
         sp.radsimp(kappa_star.subs({bL: 2, bF: 2, r: 1}) - 1 - sp.sqrt(3))),
    )


@cache
def _prop9() -> tuple[Check, ...]:
    Sigma = sp.Matrix([[sigma_L, sigma_t], [(1 + 1 / bF) * sigma - sigma_L, -sigma_t]])
    AL = large_vs_fringe(1, bF)["AL"]
    W = (Sigma * Sigma.T * AL).trace()
    welfare = ((bF * (bF - 1) * (sigma_L**2 + sigma_t**2) + (bF + 1) ** 2 * (sigma**2 - 2 * sigma
                                                                        * sigma_L))
           / (2 * r * (3 * bF + 1)))
    slope = ((3 * bF - 1) * (bF + 1) / (2 * r * (3 * bF + 1) ** 2)
             * ((sigma - sigma_L) ** 2 + sigma_t**2))
    return (
        ("Prop 9: aggregate shock per unit of capacity 1 + 1/b_F is (sigma, 0)",
         sqnorm(sp.ones(1, 2) * Sigma / (1 + 1 / bF) - sp.Matrix([[sigma, 0]]))),
        ("Prop 9: tr(Sigma Sigma' A^L) minus W^L", sp.cancel(W - welfare)),
        ("Prop 9: dW^L/db_F minus the factored form", sp.cancel(W.diff(bF) - slope)),
        ("Prop 9: dW^L/db_F at b_F = 1/3 (share 1/4)", slope.subs(bF, sp.Rational(1, 3))),
    )


@cache
def _common_values() -> tuple[Check, ...]:
    kappa_phi = r * ((N - 2) * (1 - phi) - phi * N) / (2 * (1 - phi) + 2 * phi * N)
    out: list[Check] = []
    for M in (3, 4, N):
        red = symmetric_reduced(M, phi)
        k_phi = kappa_phi.subs(N, M)
        sols = red["solutions"]
        good = [s for s in sols if s[kappa] not in (0, -r)]
        tag = "symbolic N" if M is N else f"N = {M}"
        out += [
            (f"common values: {tag}: mismatches of the kappa roots of the Lyapunov equation (16) "
             "and the common-value FOC (symmetric ansatz) against "
             "{0 (no trade), -r ((16) singular), kappa(phi)}",
             _mismatches([s[kappa] for s in sols], [sp.Integer(0), -r, k_phi])),
            (f"common values: {tag}: number of roots with kappa not in {{0, -r}}, minus 1",
             sp.Integer(len(good) - 1)),
            (f"common values: {tag}: that root minus the closed form (p + b/(N r), "
             "kappa - kappa(phi))",
             sqnorm(sp.Matrix([good[0][p] + b / (M * r), good[0][kappa] - k_phi]))),
        ]
        if M is not N:
            F = (1 - phi) * sp.eye(M) + phi * sp.ones(M, M)
            P = -b / (M * r) * sp.ones(1, M)
            Q = k_phi * (sp.eye(M) - sp.ones(M, M) / M)
            A = _full(Block(*[m.subs(good[0]) for m in red["A"]]), M)
            As = [_permute(A, i) for i in range(M)]
            out += [
                (f"common values: N = {M}: the closed form in the common-value FOC, full "
                 "matrices, every player",
                 sqnorm(*[foc_residual(P, Q, Ai, i, F)
                                           for i, Ai in enumerate(As)])),
                (f"common values: N = {M}: the closed form in the Lyapunov equation (16), "
                 "full matrices, every player",
                 sqnorm(*[lyapunov_residual(Ai, P, Q, b, i)
                                           for i, Ai in enumerate(As)])),
                (f"common values: N = {M}: footnote 30's impact -(P F_.1)/(Q_1. F_.1) minus "
                 "b (1 + (N-1) phi) / (r (N-1)(1-phi) kappa(phi))",
                 sp.cancel(-(P * F[:, 0])[0] / (Q[0, :] * F[:, 0])[0]
                           - b * (1 + (M - 1) * phi) / (r * (M - 1) * (1 - phi) * k_phi))),
            ]
    out += [
        ("common values: kappa(phi) at phi = (N-2)/(2(N-1)) (no-trade threshold)",
         sp.cancel(kappa_phi.subs(phi, (N - 2) / (2 * (N - 1))))),
        ("common values: kappa(0) minus r(N-2)/2 (Prop 12)",
         sp.cancel(kappa_phi.subs(phi, 0) - r * (N - 2) / 2)),
        ("common values: kappa(N = 5, phi = 1/10) minus 11 r/14",
         sp.cancel(kappa_phi.subs({N: 5, phi: sp.Rational(1, 10)}) - 11 * r / 14)),
    ]
    return tuple(out)


@cache
def _frontrun() -> tuple[Check, ...]:
    out: list[Check] = []
    for M in (3, 4):
        f = frontrun(M)
        U, Q, P, Pi = f["U"], f["Q"], f["P"], f["Pi"]
        inv_b = sp.Matrix([1 / bL] * (M - 1) + [1 / bF])
        e_N = sp.zeros(1, M)
        e_N[-1] = bF
        unique = -e_N * (r * sp.eye(M) + Q).inv() * U
        out += [
            (f"front-running: N = {M}: column sums of Q = U K U^-1 (47)",
             sqnorm(sp.ones(1, M) * Q)),
            (f"front-running: N = {M}: the fringe FOC (17) identically in kappa, kappahat",
             sqnorm(fringe_foc_residual(P, Q, bF))),
            (f"front-running: N = {M}: (17) solved for Pi = P U, minus [-1/r, 0, .., 0, pi]",
             sqnorm(unique - Pi)),
            (f"front-running: N = {M}: Q (1/b) and P (1/b) + 1/r",
             sqnorm(Q * inv_b, (P * inv_b)[0] + 1 / r)),
        ]
    f = frontrun(3)
    U, K, P, Pi = f["U"], f["K"], f["P"], f["Pi"]
    X0 = sp.Matrix([1, 0, -1])
    Xt = U * sp.diag(*[sp.exp(-K[j, j] * t) for j in range(3)]) * U.inv() * X0
    out += [
        ("front-running: N = 3: X0 = [1, 0, -1] minus (u_2 + u_3)/2",
         sqnorm(X0 - (U[:, 1] + U[:, 2]) / 2)),
        ("front-running: N = 3: X^2_t minus (e^{-kappahat t} - e^{-kappa t})/2",
         sp.cancel(Xt[1] - (sp.exp(-kappa_hat * t) - sp.exp(-kappa * t)) / 2)),
        ("front-running: N = 3: p_t = P X_t minus (pi/2) e^{-kappahat t}",
         sp.cancel((P * Xt)[0] - Pi[2] / 2 * sp.exp(-kappa_hat * t))),
    ]
    return tuple(out)


@cache
def _lemma1() -> tuple[Check, ...]:
    s, u, X0, c = sp.symbols("s u X_0 c", real=True)
    schedules = {"linear": X0 * (1 - t / T), "quadratic": X0 * (1 - t / T) ** 2,
                 "quadratic family": X0 * (1 - t / T) * (1 + c * t / T)}
    out: list[Check] = []
    for name, X in schedules.items():
        rate = -X.diff(t)
        # Var int_0^T z_t q_t dt = int int q_s q_u min(s, u) = 2 int_0^T q_u int_0^u s q_s ds du.
        inner = sp.integrate(s * rate.subs(t, s), (s, 0, u))
        var = 2 * sp.integrate(rate.subs(t, u) * inner, (u, 0, T))
        out += [
            (f"Lemma 1: {name} schedule: X_T", X.subs(t, T)),
            (f"Lemma 1: {name} schedule: Var(int z q dt)/sigma^2 minus int X^2 dt",
             sp.expand(var - sp.integrate(X**2, (t, 0, T)))),
        ]
    return tuple(out)


@cache
def _footnote25() -> tuple[Check, ...]:
    own, other = -b * (3 * N - 2) / (2 * r * N**2), b * (N - 2) / (2 * r * (N - 1) * N**2)
    diagonal = own + (N - 1) * other
    welfare = N * sigma**2 * diagonal / r
    out: list[Check] = [
        ("footnote 25: diagonal of sum_i A^i ((38), symbolic N) plus b/(r N)",
         sp.cancel(diagonal + b / (r * N))),
        ("footnote 25: total welfare sum_i k^i = tr(sigma^2 sum_i A^i)/r plus sigma^2 b/r^2",
         sp.cancel(welfare + sigma**2 * b / r**2)),
        ("footnote 25: merging pairs (N/2 players, b/2, variance 2 sigma^2) leaves the total "
         "unchanged",
         sp.cancel(welfare.subs({N: N / 2, b: b / 2, sigma: sp.sqrt(2) * sigma}) - welfare)),
    ]
    for M in (3, 4, 5):
        total = sum(symmetric(M)[2], sp.zeros(M, M))
        out.append((f"footnote 25: N = {M}: diagonal of sum_i A^i plus b/(r N), full matrices",
                    sqnorm(total.diagonal() + b / (r * M) * sp.ones(1, M))))
    return tuple(out)


@cache
def _two_traders() -> tuple[Check, ...]:
    """Two strategic traders, ``Q = [[x, -y], [-x, y]]`` with ``q^11 = x > 0``, ``q^22 = y > 0``,
    ``k = x + y``: the diagonal entries of the FOCs (15) times ``(r+k)(r+2k)/x`` and
    ``(r+k)(r+2k)/y`` are linear in ``P`` with the determinant ``2 (r+k)^2 (r+2k)(2r+k) > 0``; at
    the ``P`` they fix,
    the off-diagonal entries sum to
    ``[b1 y (3rx + ry + 2k^2) + b2 x (rx + 3ry + 2k^2)] / ((r+k)(r+2k)(2r+k)) > 0``: no root
    has ``q^ii > 0``."""
    xx, yy, p1, p2 = sp.symbols("x y p_1 p_2", real=True)
    b1, b2 = sp.symbols("b_1 b_2", positive=True)
    P, Q = sp.Matrix([[p1, p2]]), sp.Matrix([[xx, -yy], [-xx, yy]])
    k = xx + yy
    focs = []
    for i, b_i in enumerate((b1, b2)):
        a = sp.symbols(f"a_{i}11 a_{i}12 a_{i}22")
        A = sp.Matrix([[a[0], a[1]], [a[1], a[2]]])
        L = lyapunov_residual(A, P, Q, b_i, i)
        values = sp.solve([L[0, 0], L[0, 1], L[1, 1]], a, dict=True)[0]
        focs.append(foc_residual(P, Q, A.subs(values), i))
    scale = (r + k) * (r + 2 * k)
    diagonal = [sp.cancel(focs[0][0] * scale / xx), sp.cancel(focs[1][1] * scale / yy)]
    prices = sp.solve(diagonal, [p1, p2], dict=True)[0]
    determinant = sp.Matrix(2, 2, lambda i, j: sp.diff(diagonal[i], (p1, p2)[j])).det()
    off = (focs[0][1] + focs[1][0]).subs(prices)
    positive = (b1 * yy * (3 * r * xx + r * yy + 2 * k**2)
                + b2 * xx * (r * xx + 3 * r * yy + 2 * k**2))
    return (
        ("two traders: the diagonal FOC entries (15) times (r+k)(r+2k)/q^ii are polynomials "
         "(their denominators minus 1)",
         sqnorm(*[sp.denom(sp.together(d)) - 1 for d in diagonal])),
        ("two traders: their determinant in (p_1, p_2) minus 2 (r+k)^2 (r+2k) (2r+k)",
         sp.expand(determinant - 2 * (r + k) ** 2 * (r + 2 * k) * (2 * r + k))),
        ("two traders: sum of the off-diagonal FOC entries at that P, times "
         "(r+k)(r+2k)(2r+k), minus b_1 y (3rx + ry + 2k^2) + b_2 x (rx + 3ry + 2k^2)",
         sp.cancel(off * scale * (2 * r + k) - positive)),
    )


_GROUPS: dict[str, Callable[[], tuple[Check, ...]]] = {
    "Prop 12": _prop12,
    "Prop 5": _prop5,
    "Prop 6": _prop6,
    "Prop 13": _prop13,
    "Prop 7": _prop7,
    "Prop 8": _prop8,
    "Prop 9": _prop9,
    "common values": _common_values,
    "front-running": _frontrun,
    "Lemma 1": _lemma1,
    "footnote 25": _footnote25,
    "two traders": _two_traders,
}
GROUPS = tuple(_GROUPS)


def checks(group: str | None = None) -> list[Check]:
    """The ``(label, residual)`` pairs of one group (see ``GROUPS``), or of all groups.

    Each group is derived once per session; all of them take a few seconds.
    """
    return select_checks(_GROUPS, group)
