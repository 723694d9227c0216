#!/usr/bin/python3
"""Counts multiply-accumulates of PatchSeg per tile and per scan (conv and 1x1 layers; activations ignored).

Usage: flops.py [--height H --width W]  (scan size in radiograph pixels; default 2048 x 4096)
"""
import argparse

import torch
from torch import nn

import contract
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
    rh = (args.height + contract.DOWNSAMPLE - 1) // contract.DOWNSAMPLE
    rw = (args.width + contract.DOWNSAMPLE - 1) // contract.DOWNSAMPLE
    tiles = len(contract.axis_starts(rh, contract.TILE_H, contract.OVERLAP)) * len(contract.axis_starts(rw, contract.TILE_W, contract.OVERLAP))
    print(f"parameters: {params}")
    print(f"per {contract.TILE_H}x{contract.TILE_W} tile: {macs / 1e6:.1f} MMAC = {2 * macs / 1e9:.3f} GFLOP")
    print(f"per {args.height}x{args.width} scan: {tiles} tiles -> {2 * macs * tiles / 1e9:.2f} GFLOP")


if __name__ == "__main__":
    main()
