#!/usr/bin/python3
"""Exports PatchSeg checkpoints to ONNX with the models/CONTRACT.md metadata, thresholds calibrated on normals.

With --band-checkpoint the result is a two-band model: OUT carries the main network and names its band network,
written beside it as OUT's name + "-band.onnx" and pinned by its SHA-256; the band network answers for the rows
from --band-from of the scan height down (models/CONTRACT.md, "Two-band models").
The image threshold is set so that at most --target-fpr of the calibration radiographs (normal, never used in
training, never anomalous: no anomaly label is read) score at or above it. The pixel threshold equals the
image threshold: the image score is the maximum of the map, so a region of interest exists
exactly when the verdict is alert.
Usage: export.py --checkpoint CK [--band-checkpoint CK] --calibration DIR --out MODEL.onnx [--version V]
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


def calibrate(main, band, band_from, directory, target_fpr):
    """The image threshold (as text) and the calibration scores."""
    normal_scores = np.array([score.score_radiograph(main, raw, band, band_from)[0] for _, raw in contract.read_radiographs(directory)])
    ordered = np.sort(normal_scores)[::-1]
    allowed = int(np.floor(target_fpr * len(ordered)))
    # Midway between the last allowed false alarm and the first normal that must stay below.
    threshold = float((ordered[allowed] + ordered[allowed - 1]) / 2) if allowed > 0 else float(np.nextafter(ordered[0], np.inf))
    threshold = float(np.nextafter(np.float32(ordered[allowed]), np.float32(np.inf))) if threshold <= ordered[allowed] else threshold
    # Nine decimals, rounded up: a confident model's scores crowd just below 1, and a threshold rounded down could
    # let the last normal that must stay below it alert.
    threshold_text = f"{math.ceil(threshold * 1e9) / 1e9:.9f}"
    print(f"calibration: {len(normal_scores)} normal radiographs, scores median {np.median(normal_scores):.6f}, "
          f"max {ordered[0]:.9f}; image threshold {threshold_text} (target false-alarm rate {target_fpr})")
    return threshold_text, normal_scores


def write(module, path, metadata, doc):
    """Exports module to path with the given metadata; returns the file's SHA-256."""
    example = torch.zeros(1, 1, contract.TILE_H, contract.TILE_W)
    torch.onnx.export(
        module, example, path,
        input_names=["input"], output_names=["pred_score", "anomaly_map"],
        dynamic_axes={"input": {0: "batch"}, "pred_score": {0: "batch"}, "anomaly_map": {0: "batch"}},
        opset_version=14, do_constant_folding=True,
    )
    proto = onnx.load(path)
    del proto.metadata_props[:]
    for key, value in metadata.items():
        entry = proto.metadata_props.add()
        entry.key, entry.value = key, value
    proto.producer_name = "portscan-edge models/training/export.py"
    proto.doc_string = doc
    onnx.checker.check_model(proto)
    onnx.save(proto, path)
    digest = hashlib.sha256(open(path, "rb").read()).hexdigest()
    print(f"wrote {path} ({os.path.getsize(path)} bytes, sha256 {digest})")
    return digest


def contract_metadata(module, version, name):
    return {
        "portscan.contract": "1",
        "portscan.model_name": name,
        "portscan.model_version": version,
        "portscan.channels": "1",
        "portscan.input_height": str(contract.TILE_H),
        "portscan.input_width": str(contract.TILE_W),
        "portscan.pixel_scale": "65535",
        "portscan.transform": "log_attenuation",
        "portscan.downsample": str(module.downsample),
        "portscan.tile_overlap": str(contract.OVERLAP),
    }


def training_metadata(checkpoint, calibration_images, target_fpr):
    state = torch.load(checkpoint, map_location="cpu")
    return json.dumps({"seed": state["seed"], "steps": state["steps"], "downsample": state.get("downsample", contract.DOWNSAMPLE),
                       "train_images": state["train_images"], "calibration_images": calibration_images, "target_fpr": target_fpr})


def main():
    parser = argparse.ArgumentParser()
    score.add_model_arguments(parser)
    parser.add_argument("--calibration", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--version", default="1.0.0")
    parser.add_argument("--target-fpr", type=float, default=0.01)
    args = parser.parse_args()
    torch.set_num_threads(2)

    main_module, band_module, band_from = score.load_model(parser, args)
    try:
        threshold_text, normal_scores = calibrate(main_module, band_module, band_from, args.calibration, args.target_fpr)
    except ValueError as error:
        raise SystemExit(f"export.py: {error}")

    doc = "PatchSeg: self-supervised anomaly segmentation for drive-through radiographs, trained on synthetic normals only."
    metadata = contract_metadata(main_module, args.version, MODEL_NAME)
    metadata.update({
        "portscan.image_threshold": threshold_text,
        "portscan.pixel_threshold": threshold_text,
        "portscan.training": training_metadata(args.checkpoint, len(normal_scores), args.target_fpr),
    })
    if band_module is not None:
        band_out = os.path.splitext(args.out)[0] + "-band.onnx"
        band_metadata = contract_metadata(band_module, args.version, MODEL_NAME + "-band")
        band_metadata.update({
            "portscan.role": "band",
            "portscan.training": training_metadata(args.band_checkpoint, len(normal_scores), args.target_fpr),
        })
        band_digest = write(band_module, band_out, band_metadata, doc + " Band network of a two-band model.")
        metadata.update({
            "portscan.band_model": os.path.basename(band_out),
            "portscan.band_sha256": band_digest,
            "portscan.band_from": repr(band_from),
        })
    write(main_module, args.out, metadata, doc)


if __name__ == "__main__":
    main()
