#!/usr/bin/python3
"""Writes the PyTorch reference scores that the C# pipeline must reproduce with the exported model.

Renders nothing itself: it reads radiographs that `portscan-edge synth --seed 9190002 --count 6 --anomaly-rate 0.5`
wrote, scores them with the checkpoint through contract.py (the Python mirror of the gateway preprocessing) and
writes tests/PortScanEdge.Detection.Tests/fixtures/shipped-model-scores.json (or --fixture NAME there) with the
model's SHA-256. The C# test
regenerates the same images (the generator is deterministic) and compares its own scores and peaks.
Usage: make_score_fixture.py --checkpoint CK [--band-checkpoint CK] --dataset DIR --model MODEL.onnx [--fixture NAME]
"""
import argparse
import csv
import hashlib
import json
import os

import torch

import contract
import score

SEED, COUNT, RATE = 9190002, 6, 0.5


def main():
    parser = argparse.ArgumentParser()
    score.add_model_arguments(parser)
    parser.add_argument("--dataset", required=True)
    parser.add_argument("--model", required=True)
    parser.add_argument("--fixture", default="shipped-model-scores.json", help="file name under the Detection tests' fixtures/")
    args = parser.parse_args()
    torch.set_num_threads(2)
    module, band, band_from = score.load_model(parser, args)
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    out = os.path.join(root, "tests", "PortScanEdge.Detection.Tests", "fixtures", args.fixture)
    images = []
    for row in csv.DictReader(open(os.path.join(args.dataset, "labels.csv"))):
        s, stitched = score.score_radiograph(module, contract.load_raw(os.path.join(args.dataset, row["file"])), band, band_from)
        images.append({"file": row["file"], "score": round(s, 6), "map_max": round(float(stitched.max()), 6)})
    fixture = {
        "about": f"PyTorch reference scores of {os.path.basename(args.model)} on synth --seed 9190002 --count 6 --anomaly-rate 0.5 "
                 "(default size); written by models/training/make_score_fixture.py",
        "seed": SEED, "count": COUNT, "anomaly_rate": RATE,
        "model_sha256": hashlib.sha256(open(args.model, "rb").read()).hexdigest(),
        "images": images,
    }
    with open(out, "w") as handle:
        json.dump(fixture, handle, indent=2)
        handle.write("\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
