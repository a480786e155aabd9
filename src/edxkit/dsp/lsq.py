"""Box-bounded nonlinear least squares for problems with a handful of parameters.

:func:`bounded_least_squares` minimises ``½‖r(x)‖²`` with ``lo ≤ x ≤ hi`` by Levenberg–Marquardt
(Moré 1978: the damped Gauss–Newton step ``(JᵀJ + μ·diag(JᵀJ))·δ = −Jᵀr``, μ shrunk after a successful
step and grown after a failed one), projecting each trial point onto the box. The Jacobian is taken by
forward differences with a relative step (as ``scipy.optimize.least_squares(diff_step=...)`` does), turned
inward at a bound. For two or three parameters and tens of residuals this does the same job as
``scipy.optimize.least_squares`` at a fraction of its per-call overhead, which dominated the segment
alignment of a nerve study.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]

_SQRT_EPS = math.sqrt(float(np.finfo(np.float64).eps))


@dataclass(frozen=True, slots=True)
class LsqResult:
    """Solution ``x``, residuals ``fun`` and Jacobian ``jac`` at ``x``; ``success`` when converged."""

    x: FloatArray
    fun: FloatArray
    jac: FloatArray
    success: bool
    n_evaluations: int


def _jacobian(
    fun: Callable[[FloatArray], FloatArray], x: FloatArray, r: FloatArray, hi: FloatArray, rel_step: float
) -> FloatArray:
    jac = np.empty((r.size, x.size))
    for k in range(x.size):
        # scipy's step for a given diff_step: relative to |x|, the √eps step where that is 0
        h = rel_step * abs(float(x[k]))
        if x[k] + h == x[k]:
            h = _SQRT_EPS * max(1.0, abs(float(x[k])))
        if x[k] + h > hi[k]:
            h = -h  # step inward at the upper bound
        step = x.copy()
        step[k] += h
        jac[:, k] = (fun(step) - r) / (step[k] - x[k])
    return jac


def _gauss_newton_gain(a: FloatArray, g: FloatArray) -> float:
    """Cost reduction the linearised model predicts for the undamped step, ``½·gᵀ·A⁻¹·g``."""
    try:
        return 0.5 * float(g @ np.linalg.solve(a, g))
    except np.linalg.LinAlgError:
        return math.inf


def bounded_least_squares(
    fun: Callable[[FloatArray], FloatArray],
    x0: FloatArray,
    lo: FloatArray,
    hi: FloatArray,
    *,
    rel_step: float = 1e-4,
    xtol: float = 1e-8,
    ftol: float = 1e-8,
    max_iterations: int = 100,
) -> LsqResult:
    """Minimise ``½‖fun(x)‖²`` over ``lo ≤ x ≤ hi`` from ``x0`` (see the module docstring).

    Converged (``success``) when a step changes every parameter by less than ``xtol·(xtol + |x|)`` or
    lowers the cost by less than ``ftol`` of it while the undamped Gauss–Newton step would not lower it
    by more than that either (Moré 1978), when no damping gives a descent, or when the gradient vanishes.
    """
    lo, hi = np.asarray(lo, dtype=np.float64), np.asarray(hi, dtype=np.float64)
    x = np.clip(np.asarray(x0, dtype=np.float64), lo, hi)
    r = fun(x)
    evaluations = 1
    cost = 0.5 * float(r @ r)
    mu = -1.0
    success = False
    for _ in range(max_iterations):
        jac = _jacobian(fun, x, r, hi, rel_step)
        evaluations += x.size
        # parameters held at a bound by the gradient stay there for this step (active set)
        g_all = jac.T @ r
        free = ~(((x <= lo) & (g_all > 0.0)) | ((x >= hi) & (g_all < 0.0)))
        if not np.all(np.isfinite(jac)) or not free.any():
            success = bool(np.all(np.isfinite(jac)))
            break
        jf = jac[:, free]
        a = jf.T @ jf
        g = g_all[free]
        scale = np.maximum(np.diag(a), 1e-12 * max(float(np.max(np.diag(a))), 1e-300))
        if float(np.max(np.abs(g) / np.sqrt(scale))) <= 1e-12 * max(math.sqrt(2.0 * cost), 1e-300):
            success = True
            break
        if mu < 0.0:
            mu = 1e-3
        improved = False
        while mu < 1e12:
            step = np.zeros_like(x)
            try:
                step[free] = np.linalg.solve(a + mu * np.diag(scale), -g)
            except np.linalg.LinAlgError:
                mu *= 4.0
                continue
            trial = np.clip(x + step, lo, hi)
            r_trial = fun(trial)
            evaluations += 1
            cost_trial = 0.5 * float(r_trial @ r_trial)
            if math.isfinite(cost_trial) and cost_trial < cost:
                improved = True
                break
            mu *= 4.0
        if not improved:
            success = True  # no descent left at any damping: a (constrained) minimum
            break
        moved = np.abs(trial - x)
        drop = cost - cost_trial
        x, r, cost = trial, r_trial, cost_trial
        mu = max(mu / 3.0, 1e-12)
        # a small step or drop means convergence only when the undamped (Gauss-Newton) step would not
        # lower the cost much either: a heavily damped step is small far from the minimum too
        if (np.all(moved <= xtol * (xtol + np.abs(x))) or drop <= ftol * cost) and _gauss_newton_gain(
            a, g
        ) <= ftol * cost:
            success = True
            break
    jac = _jacobian(fun, x, r, hi, rel_step)
    return LsqResult(x, r, jac, success, evaluations + x.size)
