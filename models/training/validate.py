#!/usr/bin/python3
"""Evaluates a checkpoint on a labelled directory (labels.csv) in Python, preprocessing per the contract.

Labels are read here for measurement only; training (train.py) never reads them.
Usage: validate.py --checkpoint CK [--band-checkpoint CK] --dataset DIR [--threshold T] [--json OUT]
"""
import argparse
import csv
import json
import os
import time
from collections import defaultdict

import numpy as np
import torch

import contract
import metrics
import score


def parse_boxes(text):
    boxes = []
    for part in filter(None, text.split(";")):
        x, y, w, h = (int(v) for v in part.split(":"))
        boxes.append((x, y, w, h))
    return boxes


def main():
    parser = argparse.ArgumentParser()
    score.add_model_arguments(parser)
    parser.add_argument("--dataset", required=True)
    parser.add_argument("--threshold", type=float, default=None)
    parser.add_argument("--json", default=None)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    module, band, band_from = score.load_model(parser, args)

    rows = list(csv.DictReader(open(os.path.join(args.dataset, "labels.csv"))))
    kinds = defaultdict(set)
    kinds_path = os.path.join(args.dataset, "concealments.csv")
    if os.path.exists(kinds_path):
        for row in csv.DictReader(open(kinds_path)):
            kinds[row["file"]].add(row["kind"])

    scores, labels, peaks, boxes = [], [], [], []
    started = time.time()
    for row in rows:
        raw = contract.load_raw(os.path.join(args.dataset, row["file"]))
        s, stitched = score.score_radiograph(module, raw, band, band_from)
        scores.append(s)
        labels.append(row["label"] == "1")
        peaks.append(score.peak_in_original(stitched, module.downsample))
        boxes.append(parse_boxes(row["boxes"]))
    seconds = time.time() - started

    scores = np.array(scores)
    labels = np.array(labels)
    tpr1, thr1 = metrics.tpr_at_fpr(scores, labels, 0.01)
    tpr2, thr2 = metrics.tpr_at_fpr(scores, labels, 0.02)
    threshold = args.threshold if args.threshold is not None else thr2
    detected = [i for i in range(len(rows)) if labels[i] and scores[i] >= threshold]
    half = module.downsample // 2
    hits = sum(1 for i in detected if any(x - half <= peaks[i][0] < x + w + half and y - half <= peaks[i][1] < y + h + half for x, y, w, h in boxes[i]))
    result = {
        "image_auroc": metrics.auroc(scores, labels),
        "average_precision": metrics.average_precision(scores, labels),
        "tpr_at_fpr_1pct": tpr1,
        "tpr_at_fpr_2pct": tpr2,
        "threshold_fpr_1pct": thr1,
        "threshold_fpr_2pct": thr2,
        "threshold_used": threshold,
        "detection_rate_at_threshold": float((scores[labels] >= threshold).mean()),
        "false_alarm_rate_at_threshold": float((scores[~labels] >= threshold).mean()),
        "localisation_hit_rate": hits / max(1, len(detected)),
        "n_normal": int((~labels).sum()),
        "n_anomalous": int(labels.sum()),
        "seconds_per_image": seconds / len(rows),
        "per_kind": {},
    }
    normal_scores = scores[~labels]
    for kind in sorted({k for ks in kinds.values() for k in ks}):
        idx = [i for i, r in enumerate(rows) if kind in kinds[r["file"]]]
        kind_scores = np.concatenate([normal_scores, scores[idx]])
        kind_labels = np.concatenate([np.zeros(len(normal_scores), bool), np.ones(len(idx), bool)])
        result["per_kind"][kind] = {
            "n": len(idx),
            "auroc": metrics.auroc(kind_scores, kind_labels),
            "detection_rate_at_threshold": float((scores[idx] >= threshold).mean()),
        }
    text = json.dumps(result, indent=2)
    print(text)
    if args.json:
        with open(args.json, "w") as handle:
            handle.write(text + "\n")


if __name__ == "__main__":
    main()
