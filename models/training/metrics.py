"""Image-level metrics, written out so they can be checked against the C# Evaluation code."""
import numpy as np


def auroc(scores, labels):
    """Probability that a random anomalous image outscores a random normal one (ties count half)."""
    scores = np.asarray(scores, dtype=np.float64)
    labels = np.asarray(labels, dtype=bool)
    pos, neg = scores[labels], scores[~labels]
    if len(pos) == 0 or len(neg) == 0:
        return float("nan")
    order = np.argsort(np.concatenate([pos, neg]), kind="mergesort")
    ranks = np.empty(len(order))
    values = np.concatenate([pos, neg])[order]
    i = 0
    while i < len(values):
        j = i
        while j + 1 < len(values) and values[j + 1] == values[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2 + 1
        i = j + 1
    return float((ranks[:len(pos)].sum() - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)))


def average_precision(scores, labels):
    scores = np.asarray(scores, dtype=np.float64)
    labels = np.asarray(labels, dtype=bool)
    order = np.argsort(-scores, kind="mergesort")
    hits = labels[order]
    tp = np.cumsum(hits)
    precision = tp / np.arange(1, len(hits) + 1)
    return float((precision * hits).sum() / max(1, hits.sum()))


def tpr_at_fpr(scores, labels, max_fpr):
    """Detection rate at the lowest threshold whose false-alarm rate is <= max_fpr (alert when score >= t)."""
    scores = np.asarray(scores, dtype=np.float64)
    labels = np.asarray(labels, dtype=bool)
    neg = np.sort(scores[~labels])[::-1]
    allowed = int(np.floor(max_fpr * len(neg) + 1e-9))
    # Threshold just above the (allowed+1)-th highest normal score.
    threshold = np.nextafter(neg[allowed], np.inf) if allowed < len(neg) else -np.inf
    return float((scores[labels] >= threshold).mean()), float(threshold)
