#!/usr/bin/env python3
"""Independent reference values for tests/evaluation/metrics_test.cpp (run by hand:
python3 tests/evaluation/make_metric_fixture.py). Plain Python, deliberately by other
algorithms than the C++ code: AUC by counting every positive/negative pair (ties count 1/2),
Spearman from explicitly averaged ranks, MCC from the confusion matrix, log loss directly."""
import math

labels = [1, 0, 1, 1, 0, 0, 1, 0, 1, 1, 0, 1]
scores = [0.9, 0.2, 0.6, 0.6, 0.6, 0.4, 0.3, 0.7, 0.8, 0.55, 0.1, 0.5]

def auc(y, s):
    pos = [b for a, b in zip(y, s) if a == 1]
    neg = [b for a, b in zip(y, s) if a == 0]
    total = 0.0
    for p in pos:
        for n in neg:
            total += 1.0 if p > n else (0.5 if p == n else 0.0)
    return total / (len(pos) * len(neg))

pred = [1 if s > 0.5 else 0 for s in scores]
tp = sum(1 for a, b in zip(labels, pred) if a == 1 and b == 1)
tn = sum(1 for a, b in zip(labels, pred) if a == 0 and b == 0)
fp = sum(1 for a, b in zip(labels, pred) if a == 0 and b == 1)
fn = sum(1 for a, b in zip(labels, pred) if a == 1 and b == 0)
acc = (tp + tn) / len(labels)
bal = 0.5 * (tp / (tp + fn) + tn / (tn + fp))
mcc = (tp * tn - fp * fn) / math.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn))
ll = -sum(math.log(s) if a == 1 else math.log(1 - s) for a, s in zip(labels, scores)) / len(labels)
print(f"accuracy {acc!r}\nbalanced {bal!r}\nauc {auc(labels, scores)!r}\nmcc {mcc!r}\nlog_loss {ll!r}")

# Two dates of five tickers: daily Pearson and Spearman, their mean and mean/std (ddof 1).
day_scores = [[0.1, 0.4, 0.35, 0.8, 0.5], [0.3, 0.3, 0.9, 0.2, 0.6]]
day_returns = [[-0.01, 0.002, 0.004, 0.02, -0.003], [0.01, -0.02, 0.015, 0.0, 0.005]]

def pearson(x, y):
    n = len(x)
    mx, my = sum(x) / n, sum(y) / n
    sxy = sum((a - mx) * (b - my) for a, b in zip(x, y))
    sxx = sum((a - mx) ** 2 for a in x)
    syy = sum((b - my) ** 2 for b in y)
    return sxy / math.sqrt(sxx * syy)

def ranks(x):
    out = []
    for v in x:
        less = sum(1 for w in x if w < v)
        equal = sum(1 for w in x if w == v)
        out.append(less + (equal + 1) / 2)
    return out

ics = [pearson(s, r) for s, r in zip(day_scores, day_returns)]
rics = [pearson(ranks(s), ranks(r)) for s, r in zip(day_scores, day_returns)]
def mean_ir(v):
    m = sum(v) / len(v)
    sd = math.sqrt(sum((e - m) ** 2 for e in v) / (len(v) - 1))
    return m, m / sd
print(f"ic {mean_ir(ics)!r}\nrank_ic {mean_ir(rics)!r}")
