#!/usr/bin/python3
"""Exports a PatchSeg checkpoint to ONNX with the models/CONTRACT.md metadata, thresholds calibrated on normals.

The image threshold is set so that at most --target-fpr of the calibration radiographs (normal, never used in
training, never anomalous: no anomaly label is read) score at or above it. The pixel threshold equals the
image threshold: the image score is the maximum of the map, so a region of interest exists
exactly when the verdict is alert.
Usage: export.py --checkpoint CK --calibration DIR --out MODEL.onnx [--version V]
"""
import argparse
import hashlib
import json
import math
import os

import numpy as np
import onnx
import torch

import contract
import score

MODEL_NAME = "portscan-xray-patchseg"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--checkpoint", required=True)
    parser.add_argument("--calibration", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--version", default="1.0.0")
    parser.add_argument("--target-fpr", type=float, default=0.01)
    args = parser.parse_args()
    torch.set_num_threads(2)

    module = score.load_module(args.checkpoint)
    try:
        normal_scores = np.array([score.score_plane(module, plane)[0] for _, plane in contract.read_planes(args.calibration)])
    except ValueError as error:
        raise SystemExit(f"export.py: {error}")
    ordered = np.sort(normal_scores)[::-1]
    allowed = int(np.floor(args.target_fpr * len(ordered)))
    # Midway between the last allowed false alarm and the first normal that must stay below.
    threshold = float((ordered[allowed] + ordered[allowed - 1]) / 2) if allowed > 0 else float(np.nextafter(ordered[0], np.inf))
    threshold = float(np.nextafter(np.float32(ordered[allowed]), np.float32(np.inf))) if threshold <= ordered[allowed] else threshold
    # Nine decimals, rounded up: a confident model's scores crowd just below 1, and a threshold rounded down could
    # let the last normal that must stay below it alert.
    threshold_text = f"{math.ceil(threshold * 1e9) / 1e9:.9f}"
    print(f"calibration: {len(normal_scores)} normal radiographs, scores median {np.median(normal_scores):.6f}, "
          f"max {ordered[0]:.9f}; image threshold {threshold_text} (target false-alarm rate {args.target_fpr})")

    example = torch.zeros(1, 1, contract.TILE_H, contract.TILE_W)
    torch.onnx.export(
        module, example, args.out,
        input_names=["input"], output_names=["pred_score", "anomaly_map"],
        dynamic_axes={"input": {0: "batch"}, "pred_score": {0: "batch"}, "anomaly_map": {0: "batch"}},
        opset_version=14, do_constant_folding=True,
    )
    proto = onnx.load(args.out)
    checkpoint = torch.load(args.checkpoint, map_location="cpu")
    metadata = {
        "portscan.contract": "1",
        "portscan.model_name": MODEL_NAME,
        "portscan.model_version": args.version,
        "portscan.channels": "1",
        "portscan.input_height": str(contract.TILE_H),
        "portscan.input_width": str(contract.TILE_W),
        "portscan.pixel_scale": "65535",
        "portscan.transform": "log_attenuation",
        "portscan.downsample": str(contract.DOWNSAMPLE),
        "portscan.tile_overlap": str(contract.OVERLAP),
        "portscan.image_threshold": threshold_text,
        "portscan.pixel_threshold": threshold_text,
        "portscan.training": json.dumps({"seed": checkpoint["seed"], "steps": checkpoint["steps"], "train_images": checkpoint["train_images"],
                                         "calibration_images": len(normal_scores), "target_fpr": args.target_fpr}),
    }
    del proto.metadata_props[:]
    for key, value in metadata.items():
        entry = proto.metadata_props.add()
        entry.key, entry.value = key, value
    proto.producer_name = "portscan-edge models/training/export.py"
    proto.doc_string = "PatchSeg: self-supervised anomaly segmentation for drive-through radiographs, trained on synthetic normals only."
    onnx.checker.check_model(proto)
    onnx.save(proto, args.out)
    digest = hashlib.sha256(open(args.out, "rb").read()).hexdigest()
    print(f"wrote {args.out} ({os.path.getsize(args.out)} bytes, sha256 {digest})")


if __name__ == "__main__":
    main()
