# Independent reference for tests/analysis/overfitting_test.cpp: the deflated and
# probabilistic Sharpe ratios of a fixed series, with Python's statistics.NormalDist (a
# different normal quantile algorithm, AS241). Run: /usr/bin/python3 make_dsr_reference.py
import math
from statistics import NormalDist
N = NormalDist()
T = 750
r = [0.0004 + 0.01 * math.sin(0.7 * t) + 0.004 * math.cos(1.3 * t) ** 3 for t in range(T)]
n = len(r)
mean = sum(r) / n
m2 = sum((x - mean) ** 2 for x in r) / n
m3 = sum((x - mean) ** 3 for x in r) / n
m4 = sum((x - mean) ** 4 for x in r) / n
sd = math.sqrt(m2 * n / (n - 1))
sr = mean / sd
skew = m3 / m2 ** 1.5
kurt = m4 / m2 ** 2
trials = [0.01 * k - 0.02 for k in range(10)] + [sr]
tm = sum(trials) / len(trials)
tsd = math.sqrt(sum((x - tm) ** 2 for x in trials) / (len(trials) - 1))
g = 0.5772156649015329
nt = len(trials)
sr0 = tsd * ((1 - g) * N.inv_cdf(1 - 1 / nt) + g * N.inv_cdf(1 - 1 / (nt * math.e)))
def psr(s, b):
    return N.cdf((s - b) * math.sqrt(n - 1) / math.sqrt(1 - skew * s + (kurt - 1) / 4 * s * s))
print(repr(sr), repr(sr0), repr(psr(sr, sr0)), repr(psr(sr, 0)), repr(skew), repr(kurt))
