"""Properties of the CDB weights for any valid input (hypothesis).

For every performance vector in [0, 1] (with unmeasured classes), every tau
(mode or fixed), every robust option and every valid previous state:
the weights are finite and non-negative, have mean 1 when normalised, and
never give a harder class less weight than an easier one (paper eq. 4 with
tau >= 0 is non-decreasing in the difficulty).
"""
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from lt_plugins.core.difficulty import (TAU_MODES, compute_cdb_weights,
                                        dynamic_tau)

_perf_value = st.one_of(
    st.floats(0.0, 1.0),
    st.sampled_from([0.0, 1.0, -1.0, float('nan')]))  # -1/NaN: unmeasured
_tau = st.one_of(st.sampled_from(TAU_MODES), st.floats(0.0, 1e4))
_options = st.fixed_dictionaries(
    {},
    optional=dict(
        t_max=st.floats(0.0, 50.0),
        eps=st.floats(1e-4, 0.999),
        d_min=st.floats(1e-6, 1.0),
        power=st.floats(0.1, 10.0),
        normalize=st.booleans(),
        difficulty_momentum=st.floats(0.0, 0.999),
        weight_floor=st.floats(1e-3, 1.0)))


@st.composite
def _cases(draw):
    n = draw(st.integers(1, 12))
    perf = draw(st.lists(_perf_value, min_size=n, max_size=n))
    tau = draw(_tau)
    opts = draw(_options)
    if isinstance(tau, str) and draw(st.booleans()):
        opts['tau_max'] = draw(st.floats(0.0, 10.0))
    prev = None
    if draw(st.booleans()):
        prev = dict(
            prev_difficulty=np.array(draw(st.lists(
                st.floats(1e-3, 1.0), min_size=n, max_size=n))),
            prev_known=np.array(draw(st.lists(
                st.booleans(), min_size=n, max_size=n))),
            prev_ratio=draw(st.floats(1.0, 1e3)))
    return perf, tau, opts, prev


def _check_monotone(difficulty, weights):
    order = np.argsort(difficulty, kind='stable')
    d, w = difficulty[order], weights[order]
    harder = d[1:] > d[:-1]
    # relative tolerance: the normalisation divides by a rounded mean
    assert (w[1:][harder] >= w[:-1][harder] * (1 - 1e-9)).all(), (d, w)


@settings(max_examples=300, deadline=None)
@given(_cases())
def test_weights_finite_nonnegative_mean_one_and_monotone(case):
    perf, tau, opts, prev = case
    res = compute_cdb_weights(perf, tau, **opts, **(prev or {}))
    w, d = res.weights, res.difficulty
    assert w.shape == (len(perf), )
    assert np.isfinite(w).all() and (w >= 0).all()
    assert np.isfinite(d).all() and (d > 0).all() and (d <= 1).all()
    assert np.isfinite(res.tau) and res.tau >= 0
    if opts.get('normalize', True):
        assert abs(w.mean() - 1.0) < 1e-9
    _check_monotone(d, w)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(0.0, 1.0), min_size=2, max_size=10),
       st.sampled_from(TAU_MODES))
def test_every_tau_mode_is_finite_and_non_negative(perf, mode):
    res = compute_cdb_weights(perf, mode)
    assert np.isfinite(res.tau) and res.tau >= 0


@settings(max_examples=200, deadline=None)
@given(st.floats(0.0, 99.0), st.floats(0.0, 99.0),
       st.sampled_from(('linear', 'poly', 'log', 'sigmoid')))
def test_paper_taus_grow_with_the_bias_and_stay_within_t_max(b1, b2, mode):
    lo, hi = sorted((b1, b2))
    t_lo, t_hi = dynamic_tau(lo, mode), dynamic_tau(hi, mode)
    assert 0.0 <= t_lo <= t_hi * (1 + 1e-12) + 1e-15
    assert t_hi <= 5.0 + 1e-12
