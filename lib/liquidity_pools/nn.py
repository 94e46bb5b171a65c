"""Actor–critic neural-network solver of one slice (paper Section 5.2.2) [PROP].

Backwards in time, one value network θ(t_k, ·; w_k) and one strategy network (weights ζ_k)
per decision step. Inputs: the inventory (q/q0 and its distance to the step's target,
(q - q*_{t_k}) / L) and the one-hot market state; both networks have separate market and
inventory branches followed by a shared body. The strategy network has a volume head (the
proportion of the inventory posted in every venue, sigmoid, so that ℓ^i = q v^i <= q) and a
limit head (softmax over the three limits of every venue; the limit used is the argmax),
trained with different learning rates. The volumes maximise the one-step reward (book eq.
(lp-strategy-objective)) against the frozen value network of the next step; the limit head
learns the best limit of the sampled rewards (``NNConfig.limit_head``); the value network then
regresses the target (book eq. (lp-value-target)) less the closed-form value of posting nothing
(book eq. (lp-no-order-value)), an excess that vanishes with the inventory (book eq.
(lp-nn-value)). The next market state is sampled once per sample and shared by every term
(unbiased, 36 times cheaper than the exact expectation).

The architecture, the posing, the sampling, the weights and the iteration counts are our
proposals: the paper's were lost with its figures 4–5. Training is deterministic for a fixed
seed: it runs on one CPU thread with a seeded generator.
"""

from __future__ import annotations

import contextlib
import copy
import time
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from lib import validation
from lib.liquidity_pools.fd import NO_LIMIT, FDGrid, FDSolution, slice_inputs
from lib.liquidity_pools.intensity import fill_intensities, half_spreads, state_drift
from lib.liquidity_pools.markov import enumerate_states, onehot
from lib.liquidity_pools.params import LIMITS, ModelParams
from lib.progress import bar

__all__ = ["NNConfig", "NNSolution", "PolicyNet", "ValueNet", "WarmStartSolver", "compare",
           "encode",
           "fit_values", "inventory_inputs", "layers", "limit_weights", "on_grid", "train_slice",
           "value_scale"]

MARKET_WIDTH, INVENTORY_WIDTH, BODY_WIDTH, HEAD_WIDTH = 16, 16, 64, 32
"""Layer widths of the proposed architecture [PROP]."""

INITIAL_SHARE = 0.05
"""Proportion of the inventory a fresh strategy network posts in every venue (the bias of the
volume output). With the default sigmoid midpoint, 1/2 of a large inventory in each venue,
f(ℓ) = e^{-κ_v q} is e^{-5} at q = q0: the objective (lp-strategy-objective) is then flat, and
where selling loses it is maximised as well by posting everything (no fill) as by posting
nothing, which fresh networks find first. Starting small keeps the gradient informative."""


@dataclass(frozen=True)
class NNConfig:
    """Training hyperparameters [PROP].

    ``iters`` Adam steps of the strategy and then of the value network at every decision
    step, ``first_iters`` at the last step when it starts from untrained networks; ``batch``
    samples (q, m), m uniform, per Adam step; learning rates of the body and volume head
    (``lr_body``), of the limit head (``lr_limits``) and of the value network (``lr_value``);
    ``limit_head`` how the limit head learns ("best": the cross-entropy to the best limit of
    the sampled rewards; "expected": the expectation (lp-strategy-objective) over its
    probabilities); ``limit_weight_floor`` the floor w of the limit weights
    ω = 1/max(q/q0, w); ``min_volume`` the smallest order the strategy posts, in shares
    (a smaller volume is no order).

    The posing of the problem (lp-nn-value): with ``baseline`` the value network learns
    (θ - θ^none) / (c_V q / L), the value's excess over the closed-form value of posting
    nothing (lp-no-order-value, with the constant drift μ) in units of c_V = φ L² T_s, per L
    shares of inventory; without it, θ itself in units of φ q0² T_s.
    L = ``inventory_scale`` (shares) scales the second inventory input (q - q*_{t_k}) / L, the
    distance to the step's target. A share ``focus`` of every batch draws q uniformly on the
    inventories a slice reaches, [q*_{t_Nt} - w, q*_{t_0} + w] ∩ [0, q0] with w =
    ``focus_width`` shares, the rest on [0, q0]. The value loss weights a sample at q by
    1 / (1 + ((q - q*_{t_k}) / w_V)²), w_V = ``value_weight_width`` shares: the value's
    accuracy is spent where the strategy's decisions are made.

    The default floor 1 means no re-weighting (the paper re-weights towards small
    inventories): with the expected objective and a floor of 0.05 the limit head could settle
    on one limit everywhere.
    """

    batch: int = 256
    iters: int = 200
    first_iters: int = 400
    lr_body: float = 1e-3
    lr_limits: float = 3e-3
    lr_value: float = 1e-3
    limit_weight_floor: float = 1.0
    limit_head: str = "best"
    min_volume: float = 1.0
    baseline: bool = True
    inventory_scale: float = 25.0
    focus: float = 0.5
    focus_width: float = 100.0
    value_weight_width: float = 100.0
    seed: int = 0

    def __post_init__(self) -> None:
        for name in ("batch", "iters", "first_iters"):
            object.__setattr__(self, name, validation.integer(name, getattr(self, name),
                                                              minimum=1))
        for name in ("lr_body", "lr_limits", "lr_value", "limit_weight_floor"):
            object.__setattr__(self, name, validation.positive(name, getattr(self, name)))
        for name in ("min_volume", "focus_width"):
            object.__setattr__(self, name, validation.nonnegative(name, getattr(self, name)))
        for name in ("inventory_scale", "value_weight_width"):
            object.__setattr__(self, name, validation.positive(name, getattr(self, name)))
        object.__setattr__(self, "focus", validation.within(
            "focus", validation.finite("focus", self.focus), lower=0.0, upper=1.0))
        if self.limit_head not in ("best", "expected"):
            raise ValueError(f"limit_head must be 'best' or 'expected', got {self.limit_head!r}")
        if not isinstance(self.baseline, bool):
            raise ValueError(f"baseline must be True or False, got {self.baseline!r}")
        object.__setattr__(self, "seed", validation.integer("seed", self.seed, minimum=0))


INVENTORY_INPUTS = 2
"""The inventory inputs: q / q0 and (q - q*_{t_k}) / L (:func:`encode`)."""


ACTIVATION = nn.ELU
"""The hidden layers' activation [PROP]."""


class _Body(nn.Module):
    """Market branch and inventory branch, concatenated, then two shared layers."""

    def __init__(self, n_market: int) -> None:
        super().__init__()
        self.market = nn.Sequential(nn.Linear(n_market, MARKET_WIDTH), ACTIVATION())
        self.inventory = nn.Sequential(nn.Linear(INVENTORY_INPUTS, INVENTORY_WIDTH), ACTIVATION())
        self.shared = nn.Sequential(nn.Linear(MARKET_WIDTH + INVENTORY_WIDTH, BODY_WIDTH),
                                    ACTIVATION(), nn.Linear(BODY_WIDTH, BODY_WIDTH), ACTIVATION())

    def forward(self, inventory: torch.Tensor, market: torch.Tensor) -> torch.Tensor:
        return self.shared(torch.cat([self.market(market), self.inventory(inventory)], 1))


class ValueNet(nn.Module):
    """θ(t_k, q, m; w_k), less the no-order value with ``NNConfig.baseline``, in units of c_V,
    from the inventory inputs (B, 2) and the one-hot m."""

    def __init__(self, n_market: int) -> None:
        super().__init__()
        self.body = _Body(n_market)
        self.value = nn.Linear(BODY_WIDTH, 1)

    def forward(self, inventory: torch.Tensor, market: torch.Tensor) -> torch.Tensor:
        return self.value(self.body(inventory, market))[:, 0]


class PolicyNet(nn.Module):
    """The strategy: proportions v^i of the inventory (B, N) and limit probabilities (B, N, 3)."""

    def __init__(self, n_market: int, n_venues: int) -> None:
        super().__init__()
        self.n_venues = n_venues
        self.body = _Body(n_market)
        self.volume = nn.Sequential(nn.Linear(BODY_WIDTH, HEAD_WIDTH), ACTIVATION(),
                                    nn.Linear(HEAD_WIDTH, n_venues), nn.Sigmoid())
        with torch.no_grad():
            self.volume[2].bias.fill_(float(np.log(INITIAL_SHARE / (1.0 - INITIAL_SHARE))))
        self.limits = nn.Sequential(nn.Linear(BODY_WIDTH, HEAD_WIDTH), ACTIVATION(),
                                    nn.Linear(HEAD_WIDTH, len(LIMITS) * n_venues))

    def forward(self, inventory: torch.Tensor,
                market: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.body(inventory, market)
        logits = self.limits(h).reshape(-1, self.n_venues, len(LIMITS))
        return self.volume(h), torch.softmax(logits, dim=2)


def layers(net: nn.Module) -> list[tuple[str, str]]:
    """The layers of ``net`` in order as (branch, description), e.g. ("body.market",
    "Linear 10 → 16 + ELU"): read from the module itself, for the architecture figures."""
    out: list[tuple[str, str]] = []
    for name, module in net.named_modules():
        if isinstance(module, nn.Linear):
            out.append((name.rsplit(".", 1)[0] if "." in name else name,
                        f"Linear {module.in_features} → {module.out_features}"))
        elif isinstance(module, (nn.ELU, nn.Sigmoid)) and out:
            branch, text = out[-1]
            out[-1] = (branch, f"{text} + {type(module).__name__}")
    if isinstance(net, PolicyNet):
        last = max(i for i, (branch, _) in enumerate(out) if branch == "limits")
        out[last] = ("limits", f"{out[last][1]} + softmax per venue")
    return out


@contextlib.contextmanager
def _one_thread() -> Iterator[None]:
    """Train on one CPU thread (deterministic, and faster for networks this small)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def inventory_inputs(q: torch.Tensor, q0: float, target: float,
                     scale: float) -> torch.Tensor:
    """The inventory inputs (B, 2): q / q0 and (q - q*_{t_k}) / L, the distance to the step's
    target in units of L = ``scale`` shares."""
    return torch.stack([q / q0, (q - target) / scale], dim=1)


def encode(p: ModelParams, q: np.ndarray, m: np.ndarray, target: float,
           scale: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Network inputs at one step: the inventory inputs (B, 2) of :func:`inventory_inputs` for
    the step's target q*_{t_k} and the one-hot market state (B, Σ_i (J^i + K^i))."""
    q = torch.as_tensor(np.asarray(q, dtype=float), dtype=torch.float32)
    market = torch.as_tensor(onehot(p, enumerate_states(p)[np.asarray(m, dtype=int)]),
                             dtype=torch.float32)
    return inventory_inputs(q, p.q0, target, scale), market


def limit_weights(q: torch.Tensor, q0: float, floor: float) -> torch.Tensor:
    """ω_b = 1/max(q_b/q0, floor): the weight of the limit part of
    (lp-strategy-objective) [PROP]."""
    return 1.0 / torch.clamp(q / q0, min=floor)


@dataclass(frozen=True)
class _Model:
    """The model of one slice as float32 tensors, with the posing of ``NNConfig``."""

    p: ModelParams
    target: np.ndarray
    c_V: float
    scale: float               # L, shares
    baseline: bool
    window: tuple[float, float]  # inventories of the focused samples
    focus: float
    market: torch.Tensor       # (len(M), n_onehot)
    P: torch.Tensor            # (len(M), len(M)) one-step matrix P(Δt)
    lam_dt: torch.Tensor       # (N, len(M), 3)
    half_spread: torch.Tensor  # (N, len(M))
    probs: torch.Tensor        # (N, K)
    fractions: torch.Tensor    # (K,)
    drift_dt: torch.Tensor     # (len(M),) Δt μ(m)
    limits: torch.Tensor       # (3,)


def value_scale(p: ModelParams, config: NNConfig) -> float:
    """c_V: φ L² T_s for the value's excess over posting nothing (``config.baseline``), else
    φ q0² T_s, in dollars."""
    size = config.inventory_scale if config.baseline else p.q0
    return p.phi * size ** 2 * p.Ts


def _model(p: ModelParams, target: np.ndarray, transition: np.ndarray | None,
           intensities: np.ndarray | None, config: NNConfig) -> _Model:
    if any(v.temporary_impact or v.permanent_impact for v in p.venues) or p.market_orders:
        raise ValueError("the neural-network solver covers the model of the paper's Section 5 "
                         "(limit orders, no "
                         "market impact); use the finite-difference solver for impact or "
                         "market orders")
    target, P = slice_inputs(p, target, transition)
    lam = fill_intensities(p, intensities)

    def t(x: np.ndarray) -> torch.Tensor:
        return torch.as_tensor(np.asarray(x, dtype=float), dtype=torch.float32)

    width = config.focus_width
    window = (max(0.0, float(target.min()) - width), min(p.q0, float(target.max()) + width))
    return _Model(p=p, target=target, c_V=value_scale(p, config),
                  scale=config.inventory_scale, baseline=config.baseline, window=window,
                  focus=config.focus if window[1] > window[0] else 0.0,
                  market=t(onehot(p, enumerate_states(p))), P=t(P), lam_dt=t(p.dt * lam),
                  half_spread=t(half_spreads(p)),
                  probs=t([v.fraction_probs for v in p.venues]), fractions=t(p.fractions),
                  drift_dt=t(p.dt * state_drift(p)), limits=t(LIMITS))


def _no_order(p: ModelParams, target: np.ndarray, k: int, q: torch.Tensor) -> torch.Tensor:
    """θ^none_k(q) = Σ_{k'=k}^{Nt-1} Δt [μ q - φ (q - q*_{k'+1})²] (lp-no-order-value) with the
    model's constant drift μ."""
    later = torch.as_tensor(np.asarray(target[k + 1:]), dtype=torch.float32)
    gap = q[..., None] - later
    return p.dt * ((p.Nt - k) * p.mu * q - p.phi * (gap ** 2).sum(dim=-1))


def _baseline(mod: _Model, k: int, q: torch.Tensor) -> torch.Tensor:
    """The part of θ_k the value network does not learn: θ^none_k, or 0 without
    ``NNConfig.baseline``."""
    return _no_order(mod.p, mod.target, k, q) if mod.baseline else torch.zeros_like(q)


def _inputs(mod: _Model, k: int, q: torch.Tensor) -> torch.Tensor:
    return inventory_inputs(q, mod.p.q0, float(mod.target[k]), mod.scale)


def _excess(mod: _Model, net: ValueNet, k: int, q: torch.Tensor,
            market: torch.Tensor) -> torch.Tensor:
    """The value network's output in units of c_V: (θ - θ^none) / c_V = (q / L) × network with
    ``baseline`` (with no inventory nothing can be posted and θ_k(0) = θ^none_k(0) exactly),
    θ / c_V = network without."""
    out = net(_inputs(mod, k, q), market)
    return q / mod.scale * out if mod.baseline else out


def _theta(mod: _Model, net: ValueNet, k: int, q: torch.Tensor,
           market: torch.Tensor) -> torch.Tensor:
    """θ(t_k, q, m; w_k) in dollars: the no-order baseline plus c_V times the excess."""
    return _baseline(mod, k, q) + mod.c_V * _excess(mod, net, k, q, market)


def _next_value(mod: _Model, value_next: ValueNet | None, k: int, q: torch.Tensor,
                m_next: torch.Tensor) -> torch.Tensor:
    """W̃_{k+1}(q, m') = θ(t_{k+1}, q, m'; w_{k+1}) - Δt φ (q - q*_{k+1})² for q of shape
    (B, n) and one next state per row (θ_{Nt} = 0)."""
    p = mod.p
    W = -p.dt * p.phi * (q - float(mod.target[k + 1])) ** 2
    if value_next is not None:
        B, n = q.shape
        W = W + _theta(mod, value_next, k + 1, q.reshape(-1),
                       mod.market[m_next].repeat_interleave(n, dim=0)).reshape(B, n)
    return W


def _limit_rewards(mod: _Model, value_next: ValueNet | None, k: int, q: torch.Tensor,
                   m: torch.Tensor, m_next: torch.Tensor, share: torch.Tensor):
    """Per-sample pieces of (lp-strategy-objective): f(ℓ) (B,), the reward of every (venue, limit)
    given a fill, Δt λ^i_{j,m} Σ_e p^i_e [e ℓ^i (s^i/2 + j δ) + W̃(q - e ℓ^i) - W̃(q)] (B, N, 3),
    and W̃(q)."""
    p = mod.p
    N, K = mod.probs.shape
    ell = q[:, None] * share                                           # (B, N)
    f = torch.exp(-p.kvol * ell.sum(dim=1))
    sold = mod.fractions[None, None, :] * ell[:, :, None]              # (B, N, K)
    with torch.no_grad():                                              # W̃(q): no control in it
        W = _next_value(mod, value_next, k, q[:, None], m_next)        # (B, 1)
    dW = (_next_value(mod, value_next, k, q[:, None] - sold.reshape(-1, N * K), m_next)
          .reshape(-1, N, K) - W[:, :, None])                         # (B, N, K)
    price = mod.half_spread.T[m][:, :, None] + p.tick * mod.limits[None, None, :]  # (B, N, 3)
    expected_sold = (mod.probs[None] * sold).sum(dim=2)                # (B, N)
    expected_dW = (mod.probs[None] * dW).sum(dim=2)                    # (B, N)
    reward = expected_sold[:, :, None] * price + expected_dW[:, :, None]
    return f, mod.lam_dt.permute(1, 0, 2)[m] * reward, W[:, 0]


def _sample(mod: _Model, batch: int, gen: torch.Generator):
    """A batch of (q, m, m'): q uniform on the focus window for a share ``focus`` of the
    batch and on [0, q0] for the rest, m uniform, m' drawn from P(m, ·)."""
    focused = round(mod.focus * batch)
    lo, hi = mod.window
    q = torch.cat([lo + (hi - lo) * torch.rand(focused, generator=gen),
                   mod.p.q0 * torch.rand(batch - focused, generator=gen)])
    m = torch.randint(len(mod.P), (batch,), generator=gen)
    below = torch.rand(batch, 1, generator=gen) >= torch.cumsum(mod.P[m], dim=1)[:, :-1]
    m_next = below.sum(dim=1)                                # inverse-CDF draw from P(m, ·)
    return q, m, m_next


def _train_policy(mod: _Model, policy: PolicyNet, value_next: ValueNet | None, k: int,
                  iters: int, cfg: NNConfig, gen: torch.Generator) -> None:
    """Adam steps on the strategy at step k, the body and the volume head on one objective, the
    limit head on another, each with its learning rate (``NNConfig.limit_head``):

    * ``"expected"``: both ascend (lp-strategy-objective), the expectation over the limit
      probabilities, the limit head's copy re-weighted by ω;
    * ``"best"``: the volumes ascend (lp-strategy-objective) with every venue's best limit, the
      one with the largest sampled reward Δt λ^i_{j,m} Σ_e p^i_e [...] (given the volumes the
      objective is a sum over venues, so the best limit of each venue is that argmax), and the
      limit head descends the cross-entropy of its probabilities to those best limits,
      weighted by ω.
    """
    head = list(policy.limits.parameters())
    rest = list(policy.body.parameters()) + list(policy.volume.parameters())
    opt = torch.optim.Adam([{"params": rest, "lr": cfg.lr_body},
                            {"params": head, "lr": cfg.lr_limits}], fused=True)
    for _ in range(iters):
        q, m, m_next = _sample(mod, cfg.batch, gen)
        h = policy.body(_inputs(mod, k, q), mod.market[m])
        share = policy.volume(h)
        f, reward, _ = _limit_rewards(mod, value_next, k, q, m, m_next, share)
        weights = limit_weights(q, mod.p.q0, cfg.limit_weight_floor)
        if cfg.limit_head == "best":
            best, choice = reward.max(dim=2)
            volume_loss = -(f * best.sum(dim=1)).mean()
            logits_head = policy.limits(h.detach())
            limit_loss = (weights[:, None] * torch.nn.functional.cross_entropy(
                logits_head.reshape(-1, len(LIMITS)), choice.reshape(-1),
                reduction="none").reshape(choice.shape)).mean()
            grads = torch.autograd.grad(volume_loss + limit_loss, rest + head)
        else:
            pi = torch.softmax(policy.limits(h).reshape(-1, policy.n_venues, len(LIMITS)), dim=2)
            per_sample = f * (pi * reward).sum(dim=(1, 2))
            grads = (torch.autograd.grad(-per_sample.mean(), rest, retain_graph=True)
                     + torch.autograd.grad(-(weights * per_sample).mean(), head))
        for param, grad in zip(rest + head, grads, strict=True):
            param.grad = grad
        opt.step()


def _value_targets(mod: _Model, policy: PolicyNet, value_next: ValueNet | None, k: int,
                   q: torch.Tensor, m: torch.Tensor, m_next: torch.Tensor) -> torch.Tensor:
    """θ̂_k(q, m) of (lp-value-target) with the limit actually used (the argmax), in dollars."""
    with torch.no_grad():
        share, pi = policy(_inputs(mod, k, q), mod.market[m])
        f, reward, W = _limit_rewards(mod, value_next, k, q, m, m_next, share)
        chosen = reward.gather(2, pi.argmax(dim=2, keepdim=True))[:, :, 0]
        return mod.drift_dt[m] * q + W + f * chosen.sum(dim=1)


TARGET_CHUNK = 16384
"""Samples per chunk of the value targets' computation."""


def _train_value(mod: _Model, value: ValueNet, policy: PolicyNet, value_next: ValueNet | None,
                 k: int, iters: int, cfg: NNConfig, gen: torch.Generator) -> None:
    """Adam descent of the squared error to (θ̂_k - θ^none_k) / c_V (lp-value-target,
    lp-nn-value), each sample weighted by 1 / (1 + ((q - q*_{t_k}) / ``value_weight_width``)²).

    The targets depend on the trained strategy and the frozen next value network only, so the
    ``iters`` batches are drawn and their targets computed at once, in chunks of
    :data:`TARGET_CHUNK` samples, before the descent."""
    opt = torch.optim.Adam(value.parameters(), lr=cfg.lr_value, fused=True)
    q, m, m_next = _sample(mod, iters * cfg.batch, gen)
    target = torch.cat([
        (_value_targets(mod, policy, value_next, k, q[part], m[part], m_next[part])
         - _baseline(mod, k, q[part])) / mod.c_V
        for part in (slice(a, a + TARGET_CHUNK) for a in range(0, len(q), TARGET_CHUNK))])
    for i in range(iters):
        batch = slice(i * cfg.batch, (i + 1) * cfg.batch)
        weight = 1.0 / (1.0 + ((q[batch] - float(mod.target[k])) / cfg.value_weight_width) ** 2)
        loss = (weight * (_excess(mod, value, k, q[batch], mod.market[m[batch]])
                          - target[batch]) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()


@dataclass(frozen=True)
class NNSolution:
    """The trained networks of one slice: ``value[k]``, ``policy[k]`` for k = 0..Nt-1 (θ_{Nt}
    = 0 has no network), c_V, the targets q*_{t_k}, the configuration and the training time
    in seconds (wall clock, for the time-against-accuracy figure)."""

    p: ModelParams
    target: np.ndarray
    t: np.ndarray
    c_V: float
    value: tuple[ValueNet, ...]
    policy: tuple[PolicyNet, ...]
    config: NNConfig
    seconds: float

    def _inputs(self, k: int, q: np.ndarray, m: np.ndarray):
        return encode(self.p, q, m, float(self.target[k]), self.config.inventory_scale)

    def theta(self, k: int, q: np.ndarray, m: np.ndarray) -> np.ndarray:
        """The value network of step k in dollars at inventories q (n,) in states m (n,)."""
        mod = _model(self.p, self.target, None, None, self.config)
        q_t = torch.as_tensor(np.asarray(q, dtype=float), dtype=torch.float32)
        with torch.no_grad(), _one_thread():
            return _theta(mod, self.value[k], k, q_t, mod.market[np.asarray(m, dtype=int)]
                          ).double().numpy()

    def _controls(self, k: int, q: np.ndarray, m: np.ndarray):
        with torch.no_grad(), _one_thread():
            share, pi = self.policy[k](*self._inputs(k, q, m))
        return (np.asarray(q, dtype=float)[None, :] * share.double().numpy().T,
                np.asarray(LIMITS)[pi.argmax(dim=2).numpy()].T)

    def market_orders(self, k: int, q: np.ndarray, m: np.ndarray) -> np.ndarray:
        """No market orders (the networks model limit orders only)."""
        return np.zeros(len(q))

    def limit_orders(self, k: int, q: np.ndarray, m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The strategy network of step k at inventories q (n,) in states m (n,): volumes
        q v^i (N, n), zero below ``config.min_volume`` shares, and the most probable limits
        (N, n). The policy of :mod:`lib.liquidity_pools.simulate`."""
        volume, limit = self._controls(k, q, m)
        return np.where(volume >= self.config.min_volume, volume, 0.0), limit


def _trainable(net: nn.Module) -> nn.Module:
    """A trainable copy of a trained (frozen) network."""
    return copy.deepcopy(net).train().requires_grad_(True)


def train_slice(p: ModelParams, target: np.ndarray, config: NNConfig = NNConfig(), *,
                t_start: float = 0.0, transition: np.ndarray | None = None,
                intensities: np.ndarray | None = None, init: NNSolution | None = None,
                progress: bool = False) -> NNSolution:
    """Train the 2 Nt networks of one slice backwards in time.

    Step k starts from the networks of step k+1 (fresh, seeded ones at the last step, trained
    for ``config.first_iters``), or from ``init``'s networks of step k when a previous solution
    is given (warm start, the paper's "pre-trained model"), and is trained for
    ``config.iters`` strategy and then value steps. ``transition`` and ``intensities``
    override P(Δt) and λ as in :func:`lib.liquidity_pools.fd.solve_slice`.
    """
    if not isinstance(config, NNConfig):
        raise ValueError(f"config must be an NNConfig, got {config!r}")
    mod = _model(p, target, transition, intensities, config)
    n_market = mod.market.shape[1]
    if init is not None and (init.p.Nt != p.Nt or init.p.n_venues != p.n_venues
                             or init.value[0].body.market[0].in_features != n_market):
        raise ValueError("init must be a solution of a model with the same Nt, venues and "
                         "market states")
    start = time.perf_counter()
    values: list[ValueNet] = [None] * p.Nt   # type: ignore[list-item]
    policies: list[PolicyNet] = [None] * p.Nt  # type: ignore[list-item]
    with _one_thread():
        torch.manual_seed(config.seed)
        gen = torch.Generator().manual_seed(config.seed)
        for k in bar(range(p.Nt - 1, -1, -1), desc="NN steps", enabled=progress):
            if init is not None:
                value, policy, iters = (_trainable(init.value[k]), _trainable(init.policy[k]),
                                        config.iters)
            elif k == p.Nt - 1:
                value, policy, iters = (ValueNet(n_market), PolicyNet(n_market, p.n_venues),
                                        config.first_iters)
            else:
                value, policy, iters = (_trainable(values[k + 1]),
                                        _trainable(policies[k + 1]), config.iters)
            value_next = values[k + 1] if k + 1 < p.Nt else None
            _train_policy(mod, policy, value_next, k, iters, config, gen)
            _train_value(mod, value, policy, value_next, k, iters, config, gen)
            values[k], policies[k] = value.eval().requires_grad_(False), policy.eval(
            ).requires_grad_(False)
    return NNSolution(p=p, target=mod.target, t=t_start + p.dt * np.arange(p.Nt + 1),
                      c_V=mod.c_V, value=tuple(values), policy=tuple(policies), config=config,
                      seconds=time.perf_counter() - start)


def on_grid(sol: NNSolution, grid: FDGrid) -> FDSolution:
    """The networks evaluated on the finite-difference grid, as an
    :class:`~lib.liquidity_pools.fd.FDSolution`.

    Volumes are q v^i (continuous, within [0, q]) and limits the argmax of the softmax; a volume
    below ``sol.config.min_volume`` is no order (volume 0, ``NO_LIMIT``), as in
    :meth:`NNSolution.limit_orders`.
    """
    p = sol.p
    q = grid.inventories(p)
    M = len(enumerate_states(p))
    qq, mm = (a.ravel() for a in np.meshgrid(q, np.arange(M), indexing="ij"))
    theta = np.zeros((p.Nt + 1, len(q), M))
    volume = np.zeros((p.Nt, p.n_venues, len(q), M))
    limit = np.full((p.Nt, p.n_venues, len(q), M), NO_LIMIT, dtype=int)
    for k in range(p.Nt):
        theta[k] = sol.theta(k, qq, mm).reshape(len(q), M)
        vol, lim = sol.limit_orders(k, qq, mm)
        volume[k] = vol.reshape(p.n_venues, len(q), M)
        limit[k] = np.where(vol > 0, lim, NO_LIMIT).reshape(p.n_venues, len(q), M)
    return FDSolution(q=q, t=sol.t, target=sol.target, theta=theta, volume=volume, limit=limit,
                      market_order=np.zeros((p.Nt, len(q), M)))


def compare(reference: FDSolution, other: FDSolution,
            threshold: float = 1.0) -> tuple[float, float, float]:
    """Secondary measures of the networks against the finite differences: the mean and max
    ``|θ_0 - θ_0^FD|`` relative to the range of θ_0^FD, and the share of (step, venue, node,
    state) where both post at least ``threshold`` shares with equal limits."""
    if other.theta.shape != reference.theta.shape:
        raise ValueError("the two solutions must live on the same grid")
    validation.positive("threshold", threshold)
    scale = reference.theta[0].max() - reference.theta[0].min()
    error = np.abs(other.theta[0] - reference.theta[0]) / scale
    both = (reference.volume >= threshold) & (other.volume >= threshold)
    agree = float(np.mean(reference.limit[both] == other.limit[both])) if both.any() else 0.0
    return float(error.mean()), float(error.max()), agree


class WarmStartSolver:
    """A slice solver for the adaptive run, returning the trained networks (a policy of
    :mod:`lib.liquidity_pools.simulate`, read at the inventory itself).

    With ``warm`` the first slice starts from ``init`` (from scratch without it) and every
    later one from the networks of the slice before; without it every slice trains from
    scratch. All train with ``config``.
    """

    def __init__(self, config: NNConfig = NNConfig(), init: NNSolution | None = None,
                 warm: bool = True) -> None:
        if not isinstance(config, NNConfig):
            raise ValueError(f"config must be an NNConfig, got {config!r}")
        if init is not None and not isinstance(init, NNSolution):
            raise ValueError(f"init must be an NNSolution or None, got {type(init).__name__}")
        if not isinstance(warm, bool):
            raise ValueError(f"warm must be True or False, got {warm!r}")
        self.config = config
        self.last = init
        self.warm = warm

    def __call__(self, p: ModelParams, grid: FDGrid, target: np.ndarray, *, t_start: float,
                 transition: np.ndarray, intensities: np.ndarray) -> NNSolution:
        self.last = train_slice(p, target, self.config, t_start=t_start, transition=transition,
                                intensities=intensities, init=self.last if self.warm else None)
        return self.last


def fit_values(p: ModelParams, q: np.ndarray, theta: np.ndarray, *, encoding: str,
               epochs: int = 2000, lr: float = 1e-3, seed: int = 0) -> np.ndarray:
    """Fit θ(q, m) on a grid (Nq, len(M)) by a 64-64 ELU network with full-batch Adam and return
    the fit on the same grid (Figures 2–3).

    ``encoding="raw"`` feeds (q/q0, s^1, ι^1, ..., s^N, ι^N) with the spreads in ticks and the
    imbalance labels; ``"onehot"`` feeds q/q0 and the one-hot market state.
    """
    if encoding not in ("raw", "onehot"):
        raise ValueError(f"encoding must be 'raw' or 'onehot', got {encoding!r}")
    epochs = validation.integer("epochs", epochs, minimum=1)
    validation.positive("lr", lr)
    q = np.asarray(q, dtype=float)
    theta = np.asarray(theta, dtype=float)
    states = enumerate_states(p)
    if theta.shape != (len(q), len(states)):
        raise ValueError(f"theta must have shape (len(q), len(M)) = {(len(q), len(states))}")
    qq, mm = np.meshgrid(q, np.arange(len(states)), indexing="ij")
    if encoding == "onehot":
        market = onehot(p, states)
    else:
        columns = []
        for i in range(p.n_venues):
            columns += [np.asarray(p.spread_ticks)[states[:, 2 * i]],
                        np.asarray(p.imbalance_labels)[states[:, 2 * i + 1]]]
        market = np.stack(columns, axis=1)
    x = torch.as_tensor(np.column_stack([qq.ravel() / p.q0, market[mm.ravel()]]),
                        dtype=torch.float32)
    c_V = p.phi * p.q0 ** 2 * p.Ts
    y = torch.as_tensor(theta.ravel() / c_V, dtype=torch.float32)
    with _one_thread():
        torch.manual_seed(seed)
        net = nn.Sequential(nn.Linear(x.shape[1], BODY_WIDTH), nn.ELU(),
                            nn.Linear(BODY_WIDTH, BODY_WIDTH), nn.ELU(),
                            nn.Linear(BODY_WIDTH, 1))
        opt = torch.optim.Adam(net.parameters(), lr=lr)
        for _ in range(epochs):
            loss = ((net(x)[:, 0] - y) ** 2).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
        with torch.no_grad():
            return c_V * net(x)[:, 0].double().numpy().reshape(theta.shape)
