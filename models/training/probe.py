#!/usr/bin/python3
"""Where is the model blind? Adds squares of material to normal scans and reports where the network answers.

Usage: probe.py --checkpoint CK --dataset DIR [--images 60] [--per-image 4] [--size 6.5] [--delta-mu-t 1.5]
DIR: radiographs; with a labels.csv only its normal (label 0) images are used. Each square is added the physical
way (edge pixels mix attenuated and unattenuated light, as box-averaged detector pixels do) at a random pixel of
the first tile whose attenuation lies between 0.2 and 3 (material the beam still crosses), and counts as found
when the map's strongest logit within one cell of it is above 0. The answer is broken down by height in the
tile and by how busy the square's neighbourhood is, which is where the shipped model's misses gather
(MODEL_CARD.md).
"""
import argparse
import csv
import json
import os
import sys

import numpy as np
import torch

import contract
import score


def normal_files(directory):
    labels = os.path.join(directory, "labels.csv")
    if not os.path.exists(labels):
        try:
            return contract.list_radiographs(directory)
        except ValueError as error:
            raise SystemExit(f"probe.py: {error}")
    with open(labels, newline="") as handle:
        return [os.path.join(directory, row["file"]) for row in csv.DictReader(handle) if row["label"] == "0"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--checkpoint", required=True)
    parser.add_argument("--dataset", required=True)
    parser.add_argument("--images", type=int, default=60)
    parser.add_argument("--per-image", type=int, default=4)
    parser.add_argument("--size", type=float, default=6.5, help="side of the square in network pixels")
    parser.add_argument("--delta-mu-t", type=float, default=1.5, help="attenuation the square adds")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    net = score.load_module(args.checkpoint).net  # the network's logits, not the exported head's map
    rng = np.random.default_rng(args.seed)
    half = args.size / 2
    margin = max(int(half) + 4, 7)  # room for the square and the 13 x 13 neighbourhood
    found, rows, busy = [], [], []
    for path in normal_files(args.dataset)[:args.images]:
        try:
            _, _, tile = next(contract.tiles(contract.reduce(contract.load_raw(path))))
        except (OSError, ValueError) as error:
            print(f"skipped {path}: {error}", file=sys.stderr, flush=True)
            continue
        mu = tile.astype(np.float64) * contract.LOG_SCALE
        intensity = contract.counts(tile)
        inner = mu[margin:-margin, margin:-margin]
        candidates = np.argwhere((inner > 0.2) & (inner < 3)) + margin
        if len(candidates) == 0:
            continue
        yy, xx = np.mgrid[0:tile.shape[0], 0:tile.shape[1]] + 0.5
        for _ in range(args.per_image):
            cy, cx = candidates[rng.integers(len(candidates))] + rng.uniform(0, 1, 2)
            cover = np.clip(half + 0.5 - np.abs(xx - cx), 0, 1) * np.clip(half + 0.5 - np.abs(yy - cy), 0, 1)
            changed = np.maximum(intensity - contract.DARK, 0) * (1 - cover + cover * np.exp(-args.delta_mu_t)) + contract.DARK
            probed = contract.log_attenuation(changed).astype(np.float32)
            with torch.no_grad():
                logits = net(torch.from_numpy(probed)[None, None])[0, 0].numpy()
            scale = tile.shape[0] // logits.shape[0]
            y, x = int(cy) // scale, int(cx) // scale
            found.append(logits[max(0, y - 1):y + 2, max(0, x - 1):x + 2].max() > 0)
            iy, ix = int(cy), int(cx)
            rows.append(iy / tile.shape[0])
            busy.append(mu[iy - 6:iy + 7, ix - 6:ix + 7].std())
    found, rows, busy = np.array(found), np.array(rows), np.array(busy)
    if len(found) == 0:
        raise SystemExit(f"probe.py: no placement found in {args.dataset}")
    quiet = busy <= np.median(busy)

    def share(mask):
        return round(float(found[mask].mean()), 3) if mask.any() else None

    summary = {
        "placements": int(len(found)),
        "found": share(np.ones_like(found)),
        "found_top_third": share(rows < 1 / 3),
        "found_middle_third": share((rows >= 1 / 3) & (rows < 2 / 3)),
        "found_bottom_third": share(rows >= 2 / 3),
        "found_quiet_neighbourhood": share(quiet),
        "found_busy_neighbourhood": share(~quiet),
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
