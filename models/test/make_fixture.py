#!/usr/bin/python3
"""Writes the golden outputs of the test model, computed by PyTorch (not ONNX Runtime), for a deterministic
batch, so the C# tests check that ONNX Runtime through our bindings returns the same scores and maps in the
same batch slots. Run: /usr/bin/python3 models/test/make_fixture.py
"""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from export_test_model import LocalContrast, SIZE  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "PortScanEdge.Detection.Tests",
                   "fixtures", "test-model-outputs.json")


def batch() -> torch.Tensor:
    # The same formula is in ModelTests.cs: grey(b, y, x) = 0.2 + 0.1 * ((7y + 13x + 29b) mod 11) / 11,
    # with a 6x6 block of 0.7 at (x = 60 + 30b, y = 40 + 40b) in slots 1 and 3.
    n = 4
    y = torch.arange(SIZE).view(1, SIZE, 1)
    x = torch.arange(SIZE).view(1, 1, SIZE)
    b = torch.arange(n).view(n, 1, 1)
    grey = 0.2 + 0.1 * ((7 * y + 13 * x + 29 * b) % 11).float() / 11.0
    for slot in (1, 3):
        bx, by = 60 + 30 * slot, 40 + 40 * slot
        grey[slot, by:by + 6, bx:bx + 6] = 0.7
    return grey.unsqueeze(1).repeat(1, 3, 1, 1).float()


def main() -> None:
    model = LocalContrast().eval()
    with torch.no_grad():
        score, amap, label, mask = model(batch())
    samples = []
    for slot in range(4):
        for (sy, sx) in [(0, 0), (43 + 40 * slot, 63 + 30 * slot), (100, 200), (255, 255)]:
            samples.append({"slot": slot, "y": sy, "x": sx, "value": float(amap[slot, 0, sy, sx])})
    data = {
        "generator": "models/test/make_fixture.py (PyTorch reference of models/test/export_test_model.py)",
        "scores": [float(s) for s in score],
        "labels": [bool(v) for v in label],
        "map_sums": [float(amap[s].sum()) for s in range(4)],
        "samples": samples,
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as handle:
        json.dump(data, handle, indent=2)
        handle.write("\n")
    print(f"wrote {os.path.normpath(OUT)}: scores {data['scores']}")


if __name__ == "__main__":
    main()
