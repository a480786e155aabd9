"""Box-bounded Levenberg–Marquardt (edxkit.dsp.lsq) against scipy's least_squares on small problems."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from scipy.optimize import least_squares  # type: ignore[import-untyped]

from edxkit.dsp.lsq import bounded_least_squares

T = np.linspace(0.0, 4.0, 40)


def _decay_residual(y: np.ndarray):  # type: ignore[no-untyped-def]
    return lambda x: x[0] * np.exp(-T / x[1]) - y


@settings(max_examples=40, deadline=None)
@example(amplitude=0.5, tau=0.3046875, noise=0.03125, seed=0)  # stopped 1.5e-5 apart at ftol 1e-8
@given(
    amplitude=st.floats(0.5, 5.0),
    tau=st.floats(0.3, 3.0),
    noise=st.floats(0.0, 0.05),
    seed=st.integers(0, 2**16),
)
def test_unbounded_minimum_matches_scipy_least_squares_to_1e_5(
    amplitude: float, tau: float, noise: float, seed: int
) -> None:
    y = amplitude * np.exp(-T / tau) + noise * np.random.default_rng(seed).standard_normal(T.size)
    fun = _decay_residual(y)
    lo, hi = np.array([0.0, 0.05]), np.array([10.0, 10.0])
    # the same forward-difference step as the segment alignment used with scipy (diff_step 1e-4), and
    # both run to tight tolerances: at the default ftol each stops where the cost no longer drops by
    # 1e-8, which on a flat minimum leaves the parameters free to ~1e-5 of their size
    mine = bounded_least_squares(fun, np.array([1.0, 1.0]), lo, hi, xtol=1e-12, ftol=1e-12)
    ref = least_squares(
        fun, np.array([1.0, 1.0]), bounds=(lo, hi), diff_step=1e-4, xtol=1e-12, ftol=1e-12, gtol=1e-12
    )
    assert mine.success
    assert np.allclose(mine.x, ref.x, rtol=1e-5, atol=1e-6)
    assert float(mine.fun @ mine.fun) <= float(ref.fun @ ref.fun) * (1 + 1e-6) + 1e-15


def test_a_minimum_outside_the_box_stops_on_the_bound_with_the_other_parameter_optimal() -> None:
    y = 2.0 * np.exp(-T / 0.5)
    fun = _decay_residual(y)
    lo, hi = np.array([0.0, 1.0]), np.array([10.0, 10.0])  # true tau 0.5 is below the lower bound 1
    mine = bounded_least_squares(fun, np.array([1.0, 2.0]), lo, hi)
    ref = least_squares(fun, np.array([1.0, 2.0]), bounds=(lo, hi))
    assert mine.success and mine.x[1] == pytest.approx(1.0)
    assert mine.x[0] == pytest.approx(ref.x[0], rel=1e-5)


def test_the_returned_jacobian_is_the_forward_difference_jacobian_at_the_solution() -> None:
    y = 3.0 * np.exp(-T / 1.5)
    fun = _decay_residual(y)
    res = bounded_least_squares(fun, np.array([1.0, 1.0]), np.array([0.0, 0.1]), np.array([10.0, 10.0]))
    a, tau = res.x
    analytic = np.column_stack([np.exp(-T / tau), a * T / tau**2 * np.exp(-T / tau)])
    assert np.allclose(res.jac, analytic, rtol=1e-3, atol=1e-6)


def test_trial_points_with_non_finite_residuals_are_rejected_and_the_solver_still_converges() -> None:
    def fun(x: np.ndarray) -> np.ndarray:
        # minimum at x = 1; undefined beyond 2, where the first Gauss-Newton step from -3 lands (x ≈ 19)
        return np.array([np.nan if x[0] > 2.0 else np.arctan(x[0] - 1.0)])

    calls = []
    res = bounded_least_squares(
        lambda x: calls.append(float(x[0])) or fun(x), np.array([-3.0]), np.array([-50.0]), np.array([50.0])
    )
    assert any(c > 2.0 for c in calls)  # a trial did land where the residual is undefined
    assert res.success and np.isfinite(res.fun).all()
    assert res.x[0] == pytest.approx(1.0, abs=1e-6)
