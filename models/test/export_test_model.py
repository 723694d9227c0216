#!/usr/bin/python3
"""Exports the small committed test model `portscan-test-localcontrast.onnx`.

It has exactly the Anomalib v2 ONNX signature (input `input` float NCHW RGB in [0,1], outputs `pred_score`,
`anomaly_map`, `pred_label`, `pred_mask`) plus the `portscan.*` metadata of models/CONTRACT.md, so the
gateway's whole detection path can be tested before the trained model exists.

What it computes (no training, fixed weights, fully deterministic):
  grey      = mean of the three channels (the gateway replicates one grey radiograph into all three)
  local     = 15x15 box mean of grey (the surrounding cargo)
  contrast  = grey - local          (after log attenuation dense = high, so a dense compact object is positive)
  map       = clamp((3x3 mean of contrast - 0.05) * 4, 0, 1)
  score     = max over the map
A dense object about 2x2 to 10x10 input pixels (8-40 radiograph pixels at downsample 4) inside lighter cargo
scores near 1; smooth cargo, air and large uniform loads score near 0.

Run with Debian's python3-torch and python3-onnx (never pip):
    /usr/bin/python3 models/test/export_test_model.py

With --dual-energy it instead writes the committed `portscan-test-dualenergy.onnx`: a two-channel model (input
[N, 2, H, W] = low-energy, high-energy, each log-attenuation transformed) that maps where the low-energy image
attenuates far more than the high-energy one, as high-atomic-number material does (lead's low/high ratio is about
2.6, steel's 1.7, organics' 1.25):  map = clamp((low - 1.8 * high - 0.02) * 20, 0, 1), score = max over the map.
It tests that the gateway feeds a dual-energy pair in the contract's channel order; it is not a detector.

With --bench-heavy OUT.onnx it instead writes a benchmark-only model with the same contract and a realistic
compute load (three 3x3 convolutions of 16 channels, about 0.33 GFLOP per 256x256 tile, fixed random weights):
it says nothing about anomalies, it only lets `portscan-edge bench --model OUT.onnx` measure the pipeline's
overhead against an inference cost like a trained model's. It is not committed (generate it when needed).
"""
import hashlib
import os

import onnx
import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "portscan-test-localcontrast.onnx")
SIZE = 256


class LocalContrast(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.local = nn.AvgPool2d(15, stride=1, padding=7, count_include_pad=False)
        self.smooth = nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False)

    def forward(self, x: torch.Tensor):
        grey = x.mean(dim=1, keepdim=True)
        contrast = grey - self.local(grey)
        anomaly_map = torch.clamp((self.smooth(contrast) - 0.05) * 4.0, 0.0, 1.0)
        pred_score = torch.amax(anomaly_map, dim=(1, 2, 3))
        pred_label = pred_score >= 0.5
        pred_mask = anomaly_map >= 0.5
        return pred_score, anomaly_map, pred_label, pred_mask


class DualEnergyRatio(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.smooth = nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False)

    def forward(self, x: torch.Tensor):
        low, high = x[:, 0:1], x[:, 1:2]
        anomaly_map = torch.clamp((self.smooth(low - 1.8 * high) - 0.02) * 20.0, 0.0, 1.0)
        pred_score = torch.amax(anomaly_map, dim=(1, 2, 3))
        return pred_score, anomaly_map, pred_score >= 0.5, anomaly_map >= 0.5


class BenchHeavy(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(7)
        self.body = nn.Sequential(
            nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(),
            nn.Conv2d(16, 16, 3, padding=1), nn.ReLU(),
            nn.Conv2d(16, 16, 3, padding=1), nn.ReLU(),
            nn.Conv2d(16, 1, 1),
        )

    def forward(self, x: torch.Tensor):
        anomaly_map = torch.sigmoid(self.body(x))
        pred_score = torch.amax(anomaly_map, dim=(1, 2, 3))
        return pred_score, anomaly_map, pred_score >= 0.5, anomaly_map >= 0.5


def main() -> None:
    import sys
    global OUT
    model = LocalContrast().eval()
    name = "portscan-test-localcontrast"
    channels = 3
    if len(sys.argv) == 3 and sys.argv[1] == "--bench-heavy":
        model, OUT, name = BenchHeavy().eval(), sys.argv[2], "portscan-bench-heavy"
    if len(sys.argv) == 2 and sys.argv[1] == "--dual-energy":
        model, name, channels = DualEnergyRatio().eval(), "portscan-test-dualenergy", 2
        OUT = os.path.join(HERE, name + ".onnx")
    example = torch.zeros(1, channels, SIZE, SIZE)
    torch.onnx.export(
        model,
        example,
        OUT,
        input_names=["input"],
        output_names=["pred_score", "anomaly_map", "pred_label", "pred_mask"],
        dynamic_axes={name: {0: "batch"} for name in ["input", "pred_score", "anomaly_map", "pred_label", "pred_mask"]},
        opset_version=14,
        do_constant_folding=True,
    )
    proto = onnx.load(OUT)
    metadata = {
        "portscan.contract": "1",
        "portscan.model_name": name,
        "portscan.model_version": "0.1.0",
        "portscan.channels": str(channels),
        "portscan.input_height": str(SIZE),
        "portscan.input_width": str(SIZE),
        "portscan.pixel_scale": "65535",
        "portscan.transform": "log_attenuation",
        "portscan.downsample": "4",
        "portscan.tile_overlap": "32",
        "portscan.image_threshold": "0.5",
        "portscan.pixel_threshold": "0.5",
    }
    del proto.metadata_props[:]
    for key, value in metadata.items():
        entry = proto.metadata_props.add()
        entry.key, entry.value = key, value
    proto.producer_name = "portscan-edge models/test/export_test_model.py"
    onnx.checker.check_model(proto)
    onnx.save(proto, OUT)
    with open(OUT, "rb") as handle:
        digest = hashlib.sha256(handle.read()).hexdigest()
    print(f"wrote {OUT} ({os.path.getsize(OUT)} bytes, sha256 {digest})")


if __name__ == "__main__":
    main()
