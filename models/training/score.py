"""Scores radiographs with PatchSeg checkpoints as the exported ONNX models do, following the contract: one
network, or a two-band model (models/CONTRACT.md, "Two-band models") whose band network answers for the bottom
rows."""
import math

import numpy as np
import torch

import contract
from network import Exported, PatchSeg


def load_module(checkpoint):
    """The exported head around a checkpoint's network; .downsample is the downsample it was trained at."""
    net = PatchSeg()
    state = torch.load(checkpoint, map_location="cpu")
    net.load_state_dict(state["state"])
    module = Exported(net).eval()
    module.downsample = int(state.get("downsample", contract.DOWNSAMPLE))
    return module


def add_model_arguments(parser):
    """The arguments that name a model's checkpoints: --checkpoint, and for a two-band model --band-checkpoint
    and --band-from."""
    parser.add_argument("--checkpoint", required=True, help="the (main) network")
    parser.add_argument("--band-checkpoint", default=None, help="the band network of a two-band model")
    parser.add_argument("--band-from", type=float, default=contract.BAND_FROM, help="where the band starts, as a share of the scan height")


def load_model(parser, args):
    """(main module, band module or None, band_from) from add_model_arguments' arguments; a parser error when a
    two-band pair does not fit together."""
    main = load_module(args.checkpoint)
    band = load_module(args.band_checkpoint) if args.band_checkpoint else None
    if band is not None:
        if not 0 < args.band_from < 1:
            parser.error("--band-from must lie between 0 and 1")
        if band.downsample >= main.downsample or main.downsample % band.downsample:
            parser.error(f"the band network's downsample ({band.downsample}) must divide the main network's "
                         f"({main.downsample}) and be smaller")
    return main, band, args.band_from


@torch.no_grad()
def score_plane(module, plane, top=0):
    """Image score (max tile score) and the stitched map on the reduced plane (overlaps averaged), tiling the rows
    from top down (rows no tile reaches stay 0)."""
    h, w = plane.shape
    placed = list(contract.tiles(plane, top))
    batch = torch.from_numpy(np.stack([t for _, _, t in placed])[:, None])
    scores, maps = module(batch)
    total = np.zeros((max(h, contract.TILE_H), max(w, contract.TILE_W)), dtype=np.float32)
    weight = np.zeros_like(total)
    for (y, x, _), m in zip(placed, maps[:, 0].numpy()):
        total[y:y + contract.TILE_H, x:x + contract.TILE_W] += m
        weight[y:y + contract.TILE_H, x:x + contract.TILE_W] += 1
    stitched = (total / np.maximum(weight, 1))[:h, :w]
    return float(scores.max()), stitched


def band_row(height, band_from=contract.BAND_FROM):
    """The first row of the main map that the band network answers for."""
    return min(height, int(math.floor(band_from * height)))


def score_radiograph(main, raw, band=None, band_from=contract.BAND_FROM):
    """Image score and map (on the main network's grid) of a raw radiograph.

    One network: the max tile score and its stitched map. Two-band: the main map above band_row, below it the
    band network's stitched map reduced onto the main grid by taking each block's maximum; the score is the
    maximum of that combined map.
    """
    s, stitched = score_plane(main, contract.reduce(raw, main.downsample))
    if band is None:
        return s, stitched
    ratio = main.downsample // band.downsample
    h, w = stitched.shape
    b = band_row(h, band_from)
    if b < h:
        _, fine = score_plane(band, contract.reduce(raw, band.downsample), b * ratio)
        rows = fine[b * ratio:]
        padded = np.full(((h - b) * ratio, w * ratio), -np.inf, dtype=np.float32)
        padded[:rows.shape[0], :rows.shape[1]] = rows
        stitched = stitched.copy()
        stitched[b:] = padded.reshape(h - b, ratio, w, ratio).max(axis=(1, 3))
    return float(stitched.max()), stitched


def peak_in_original(stitched, downsample=contract.DOWNSAMPLE):
    ry, rx = np.unravel_index(int(np.argmax(stitched)), stitched.shape)
    return rx * downsample + downsample // 2, ry * downsample + downsample // 2
