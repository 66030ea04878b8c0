"""Generated series with known structure, for the forecast tests."""
import numpy as np


def noisy_sine(n=360, period=24, noise=0.05, seed=0):
    """10 + sin(2 pi t / period) + gaussian noise: positive, strongly predictable from its lags."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return 10.0 + np.sin(2 * np.pi * t / period) + rng.normal(0, noise, n)


def random_walk(n=600, seed=1):
    """100 + cumulative gaussian steps: nothing beyond the last value is predictable."""
    rng = np.random.default_rng(seed)
    return 100.0 + np.cumsum(rng.normal(0, 1, n))


def write_series_csv(path, values, start="2020-01-01"):
    import pandas as pd
    dates = pd.date_range(start, periods=len(values), freq="D")
    lines = ["Date,Value"] + [f"{d.date().isoformat()},{v:.6f}" for d, v in zip(dates, values)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
