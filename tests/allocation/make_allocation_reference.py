"""Independent reference weights for tests/allocation/portfolio_optimizer_test.cpp, computed
with scikit-learn (Ledoit-Wolf), numpy (closed forms), scipy.optimize (SLSQP for the
constrained cases, equal risk contribution) and scipy.cluster.hierarchy (HRP's single
linkage and leaf order). Run by hand:
    /usr/bin/python3 tests/allocation/make_allocation_reference.py
Writes tests/allocation/fixtures/allocation_reference.json."""
import json
import pathlib

import numpy as np
from scipy.cluster.hierarchy import leaves_list, linkage
from scipy.optimize import minimize
from scipy.spatial.distance import squareform
from sklearn.covariance import LedoitWolf

rng = np.random.default_rng(7)
days, n = 500, 30
sectors = [f"S{i % 5}" for i in range(n)]
factor = rng.normal(0, 0.01, size=(days, 1))
returns = factor @ rng.uniform(0.5, 1.5, size=(1, n)) + rng.normal(0, 0.012, size=(days, n)) + 0.0002
mu = rng.normal(0.0004, 0.0003, size=n)
cov = LedoitWolf().fit(returns).covariance_

# --- closed forms on a small, weakly correlated universe where every weight is positive
# (no binding caps: max_weight 1, sector cap 1, min_cash 0) ---
small_returns = rng.normal(0, 1, size=(days, 6)) * np.array([0.01, 0.012, 0.015, 0.02, 0.011, 0.018]) + 0.0003
small_mu = np.array([0.0004, 0.0005, 0.0006, 0.0009, 0.0003, 0.0007])
small_cov = LedoitWolf().fit(small_returns).covariance_
inv = np.linalg.inv(small_cov)
ones = np.ones(6)
min_var = inv @ ones / (ones @ inv @ ones)
tangency = inv @ small_mu / (ones @ inv @ small_mu)

# --- constrained minimum variance and max Sharpe: SLSQP ---
max_w, sector_cap, invested = 0.10, 0.30, 0.80
cons = [{"type": "eq", "fun": lambda w: w.sum() - invested}]
for s in sorted(set(sectors)):
    idx = [i for i in range(n) if sectors[i] == s]
    cons.append({"type": "ineq", "fun": lambda w, idx=idx: sector_cap - w[idx].sum()})
bounds = [(0, max_w)] * n
w0 = np.full(n, invested / n)
opts = {"ftol": 1e-15, "maxiter": 2000}
scale = np.diag(cov).mean()
mv = minimize(lambda w: w @ (cov / scale) @ w, w0, jac=lambda w: 2 * (cov / scale) @ w, bounds=bounds,
              constraints=cons, method="SLSQP", options=opts).x
def neg_sharpe(w):
    return -(w @ mu) / np.sqrt(w @ cov @ w)
ms = minimize(neg_sharpe, w0, bounds=bounds, constraints=cons, method="SLSQP", options=opts).x

# --- equal risk contribution (unconstrained, sums to 1) ---
def erc_objective(w):
    rc = w * (cov @ w)
    return ((rc[:, None] - rc[None, :]) ** 2).sum() / scale ** 2
erc = minimize(erc_objective, np.full(n, 1 / n), bounds=[(1e-6, 1)] * n,
               constraints=[{"type": "eq", "fun": lambda w: w.sum() - 1}], method="SLSQP",
               options={"ftol": 1e-20, "maxiter": 5000}).x

# --- HRP (Lopez de Prado 2016) with SciPy's single linkage ---
sd = np.sqrt(np.diag(cov))
corr = np.clip(cov / np.outer(sd, sd), -1, 1)
dist = np.sqrt(np.clip((1 - corr) / 2, 0, None))
np.fill_diagonal(dist, 0)
order = leaves_list(linkage(squareform(dist, checks=False), "single")).tolist()
def cluster_var(items):
    c = cov[np.ix_(items, items)]
    w = 1 / np.diag(c)
    w /= w.sum()
    return w @ c @ w
hrp = np.ones(n)
clusters = [order]
while clusters:
    nxt = []
    for c in clusters:
        if len(c) < 2:
            continue
        left, right = c[: len(c) // 2], c[len(c) // 2:]
        vl, vr = cluster_var(left), cluster_var(right)
        alpha = 1 - vl / (vl + vr)
        hrp[left] *= alpha
        hrp[right] *= 1 - alpha
        nxt += [left, right]
    clusters = nxt
hrp /= hrp.sum()

out = {
    "returns": returns.tolist(), "expected_returns": mu.tolist(), "sectors": sectors,
    "small_returns": small_returns.tolist(), "small_expected_returns": small_mu.tolist(),
    "min_variance_closed_form": min_var.tolist(), "tangency_closed_form": tangency.tolist(),
    "min_variance_constrained": mv.tolist(), "max_sharpe_constrained": ms.tolist(),
    "max_sharpe_constrained_sharpe": float(-neg_sharpe(ms)),
    "erc": erc.tolist(), "hrp": hrp.tolist(), "hrp_order": order,
}
path = pathlib.Path(__file__).parent / "fixtures" / "allocation_reference.json"
path.write_text(json.dumps(out))
print("wrote", path, "min weights closed form:", min_var.min(), tangency.min())
