"""Independent reference values for tests/risk/value_at_risk_test.cpp and the Ledoit–Wolf
test: numpy/scipy for VaR/CVaR, scikit-learn's LedoitWolf for the shrunk covariance.
Run by hand (needs python3-numpy, python3-scipy, python3-sklearn from Debian):
    /usr/bin/python3 tests/risk/make_var_reference.py
It writes tests/risk/fixtures/var_reference.json (inputs and expected outputs)."""
import json
import pathlib

import numpy as np
from scipy import integrate, stats
from sklearn.covariance import LedoitWolf

rng = np.random.default_rng(20261125)
days, assets = 600, 5
# Fat-tailed, correlated daily returns: Student-t shocks through a mixing matrix.
mix = rng.normal(0, 0.006, size=(assets, assets)) + np.eye(assets) * 0.008
returns = rng.standard_t(4, size=(days, assets)) @ mix + 0.0003
weights = np.array([0.3, 0.25, 0.2, 0.15, 0.1])
portfolio = returns @ weights


def historical(r, c, h):
    if h > 1:
        r = np.array([np.prod(1 + r[i:i + h]) - 1 for i in range(len(r) - h + 1)])
    cutoff = np.percentile(r, 100 * (1 - c))  # linear interpolation
    return -cutoff, -r[r <= cutoff].mean()


def normal(r, c, h):
    mu, sigma = r.mean() * h, r.std(ddof=1) * np.sqrt(h)
    z = stats.norm.ppf(1 - c)
    return -(mu + z * sigma), -(mu - sigma * stats.norm.pdf(z) / (1 - c))


def cornish_fisher(r, c, h):
    mu, sigma = r.mean() * h, r.std(ddof=1) * np.sqrt(h)
    s = stats.skew(r) / np.sqrt(h)                    # population (biased) skewness
    k = stats.kurtosis(r, fisher=True) / h            # population excess kurtosis

    def q(p):
        z = stats.norm.ppf(p)
        return mu + sigma * (z + (z * z - 1) * s / 6 + (z ** 3 - 3 * z) * k / 24 - (2 * z ** 3 - 5 * z) * s * s / 36)

    tail = 1 - c
    cvar = -integrate.quad(q, 0, tail, limit=200)[0] / tail
    return -q(tail), cvar


expected = []
for h in (1, 10):
    for c in (0.95, 0.99):
        for name, f in (("historical", historical), ("normal", normal), ("cornish-fisher", cornish_fisher)):
            var, cvar = f(portfolio, c, h)
            expected.append({"method": name, "confidence": c, "horizon": h, "var": var, "cvar": cvar})
        # Monte Carlo converges to the normal closed form of the portfolio.
        mu = weights @ returns.mean(axis=0) * h
        sigma = np.sqrt(weights @ np.cov(returns, rowvar=False) @ weights * h)
        z = stats.norm.ppf(1 - c)
        expected.append({"method": "monte-carlo", "confidence": c, "horizon": h, "var": -(mu + z * sigma),
                         "cvar": -(mu - sigma * stats.norm.pdf(z) / (1 - c))})

lw = LedoitWolf().fit(returns)
out = {
    "returns": returns.tolist(),
    "weights": weights.tolist(),
    "expected": expected,
    "ledoit_wolf": {"shrinkage": lw.shrinkage_, "covariance": lw.covariance_.tolist()},
}
path = pathlib.Path(__file__).parent / "fixtures" / "var_reference.json"
path.write_text(json.dumps(out, indent=1))
print("wrote", path)
