"""Scores radiographs with a PatchSeg checkpoint or an exported ONNX-equivalent module, following the contract."""
import numpy as np
import torch

import contract
from network import Exported, PatchSeg


def load_module(checkpoint):
    net = PatchSeg()
    state = torch.load(checkpoint, map_location="cpu")
    net.load_state_dict(state["state"])
    module = Exported(net).eval()
    return module


@torch.no_grad()
def score_plane(module, plane):
    """Image score (max tile score) and the stitched map on the reduced plane (overlaps averaged)."""
    h, w = plane.shape
    placed = list(contract.tiles(plane))
    batch = torch.from_numpy(np.stack([t for _, _, t in placed])[:, None])
    scores, maps = module(batch)
    total = np.zeros((max(h, contract.TILE_H), max(w, contract.TILE_W)), dtype=np.float32)
    weight = np.zeros_like(total)
    for (y, x, _), m in zip(placed, maps[:, 0].numpy()):
        total[y:y + contract.TILE_H, x:x + contract.TILE_W] += m
        weight[y:y + contract.TILE_H, x:x + contract.TILE_W] += 1
    stitched = (total / np.maximum(weight, 1))[:h, :w]
    return float(scores.max()), stitched


def peak_in_original(stitched, downsample=contract.DOWNSAMPLE):
    ry, rx = np.unravel_index(int(np.argmax(stitched)), stitched.shape)
    return rx * downsample + downsample // 2, ry * downsample + downsample // 2
