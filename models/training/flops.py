#!/usr/bin/python3
"""Counts multiply-accumulates of PatchSeg per tile and per scan (conv and 1x1 layers; activations ignored), for
the one-network model and for the two-band model (the main network's tiles over the whole scan plus the band
network's tiles over the rows from contract.BAND_FROM of the height down: the tiles the gateway runs).

Usage: flops.py [--height H --width W]  (scan size in radiograph pixels; default 2048 x 4096)
"""
import argparse

import torch
from torch import nn

import contract
import score
from network import Exported, PatchSeg


def count_macs(module, shape):
    total = 0

    def hook(layer, inputs, output):
        nonlocal total
        kernel = layer.kernel_size[0] * layer.kernel_size[1] * (layer.in_channels // layer.groups)
        total += output.numel() * kernel

    handles = [m.register_forward_hook(hook) for m in module.modules() if isinstance(m, nn.Conv2d)]
    with torch.no_grad():
        module(torch.zeros(shape))
    for handle in handles:
        handle.remove()
    return total


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--height", type=int, default=2048)
    parser.add_argument("--width", type=int, default=4096)
    args = parser.parse_args()
    module = Exported(PatchSeg()).eval()
    macs = count_macs(module, (1, 1, contract.TILE_H, contract.TILE_W))
    params = sum(p.numel() for p in module.parameters())

    def tiles(downsample, band):
        rh, rw = (args.height + downsample - 1) // downsample, (args.width + downsample - 1) // downsample
        top = 0
        if band:
            main_rows = (args.height + contract.DOWNSAMPLE - 1) // contract.DOWNSAMPLE
            top = score.band_row(main_rows) * (contract.DOWNSAMPLE // downsample)
        return len(contract.axis_starts(rh, contract.TILE_H, contract.OVERLAP, top)) * len(contract.axis_starts(rw, contract.TILE_W, contract.OVERLAP))

    main_tiles, band_tiles = tiles(contract.DOWNSAMPLE, False), tiles(contract.BAND_DOWNSAMPLE, True)
    print(f"parameters: {params} per network")
    print(f"per {contract.TILE_H}x{contract.TILE_W} tile: {macs / 1e6:.1f} MMAC = {2 * macs / 1e9:.3f} GFLOP")
    print(f"per {args.height}x{args.width} scan, one network: {main_tiles} tiles -> {2 * macs * main_tiles / 1e9:.2f} GFLOP")
    print(f"per {args.height}x{args.width} scan, two-band: {main_tiles} main + {band_tiles} band tiles -> "
          f"{2 * macs * (main_tiles + band_tiles) / 1e9:.2f} GFLOP")


if __name__ == "__main__":
    main()
