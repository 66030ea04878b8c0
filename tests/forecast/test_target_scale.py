"""Which targets forecast tries: a positive series that grows an order of magnitude is learnt on
the log scale only, so its validation loss keeps the training loss's scale (the S&P 500 under
--target diff had a validation loss 10-11x its training loss)."""
import numpy as np

from kerascli.datasets import series


def test_a_series_growing_tenfold_is_learnt_on_the_log_scale_only():
    rng = np.random.default_rng(0)
    levels = 16 * np.exp(np.cumsum(rng.normal(0.0007, 0.01, 5000)))  # ~16 -> ~500, like stocks
    assert levels.max() / levels.min() >= series.LOG_SCALE_RANGE
    found = series.target_candidates(levels)
    assert found and all(t == "returns" or t.startswith("log-") for t in found)
    assert "diff" not in found


def test_a_series_in_a_narrow_range_keeps_its_additive_targets():
    levels = 100 + 10 * np.sin(np.arange(240) / 6)
    found = series.target_candidates(levels, season=12)
    assert {"diff", "sdiff", "returns", "log-diff"} <= set(found)


def test_a_series_with_zero_or_negative_values_gets_no_log_targets():
    levels = np.linspace(-5, 500, 300)
    found = series.target_candidates(levels)
    assert "diff" in found and not any(t == "returns" or t.startswith("log-") for t in found)

