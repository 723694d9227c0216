#!/usr/bin/python3
"""Trains PatchSeg on normal radiographs only, with self-supervised synthetic anomalies (augment.py).

Usage: /usr/bin/python3 models/training/train.py --train DIR --out CHECKPOINT [--minutes M] [--seed S]
DIR holds normal radiographs (PNG or TIFF, 16-bit greyscale; a file that cannot be read is named and skipped).
labels.csv, if present, is *not read*: every image in DIR is treated as normal, so a site can retrain on its own
cleared scans. Training stops after --steps or --minutes.
"""
import argparse
import time

import numpy as np
import torch
import torch.nn.functional as F

import augment
import contract
from network import PatchSeg



def load_planes(directory, limit, downsample):
    loaded = [(f, plane.astype(np.float16)) for f, plane in contract.read_planes(directory, limit, downsample)]
    return [f for f, _ in loaded], [plane for _, plane in loaded]


def sample_batch(rng, planes, batch, crop_h, crop_w, downsample):
    xs, ys = [], []
    for _ in range(batch):
        plane = planes[rng.integers(0, len(planes))]
        h, w = plane.shape
        for _ in range(6):
            # Prefer crops that show some vehicle: mostly-air crops teach little.
            y = rng.integers(0, max(1, h - crop_h + 1))
            x = rng.integers(0, max(1, w - crop_w + 1))
            tile = np.full((crop_h, crop_w), contract.LUT[65535], dtype=np.float32)
            part = plane[y:y + crop_h, x:x + crop_w].astype(np.float32)
            tile[:part.shape[0], :part.shape[1]] = part
            if (tile > augment.MATERIAL).mean() > 0.25:
                break
        if rng.random() < 0.7:
            tile, target = augment.add_anomalies(rng, tile, int(rng.integers(1, 4)), downsample)
        else:
            target = np.zeros_like(tile)
        xs.append(tile)
        ys.append(target)
    return torch.from_numpy(np.stack(xs)[:, None]), torch.from_numpy(np.stack(ys)[:, None])


def loss_fn(logits, target):
    logits = F.interpolate(logits, size=target.shape[-2:], mode="bilinear", align_corners=False)
    bce = F.binary_cross_entropy_with_logits(logits, target, pos_weight=torch.tensor(4.0))
    p = torch.sigmoid(logits)
    inter = (p * target).sum(dim=(1, 2, 3))
    dice = 1 - (2 * inter + 1) / (p.sum(dim=(1, 2, 3)) + target.sum(dim=(1, 2, 3)) + 1)
    return bce + 0.5 * dice.mean()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--train", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--seed", type=int, default=20261129)
    parser.add_argument("--steps", type=int, default=4000)
    parser.add_argument("--minutes", type=float, default=30, help="wall-clock cap on the training loop (a safety net)")
    parser.add_argument("--stop-at", type=int, default=0, help="stop after this step while keeping the --steps schedule (reproduces a capped run exactly)")
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--crop", default="128x192", help="training crop HxW in network-input pixels")
    parser.add_argument("--limit", type=int, default=0, help="use only the first N images")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--downsample", type=int, default=contract.DOWNSAMPLE,
                        help=f"radiograph pixels per network pixel (main network {contract.DOWNSAMPLE}, band network {contract.BAND_DOWNSAMPLE})")
    parser.add_argument("--init", default=None, help="start from this checkpoint (fine-tuning stage)")
    parser.add_argument("--lr", type=float, default=2e-3, help="peak learning rate")
    args = parser.parse_args()
    if not 1 <= args.downsample <= 64:
        parser.error("--downsample must be a whole number in 1..64")
    if args.steps < 40:
        parser.error("--steps must be at least 40 (the learning-rate warm-up takes the first 5 %)")

    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    rng = np.random.default_rng(args.seed)
    started = time.time()
    crop_h, crop_w = (int(v) for v in args.crop.split("x"))
    try:
        files, planes = load_planes(args.train, args.limit, args.downsample)
    except ValueError as error:
        raise SystemExit(f"train.py: {error}")
    print(f"loaded {len(files)} normal radiographs in {time.time() - started:.0f} s", flush=True)

    net = PatchSeg()
    previous_steps = 0
    if args.init:
        checkpoint = torch.load(args.init, map_location="cpu")
        if checkpoint.get("downsample", contract.DOWNSAMPLE) != args.downsample:
            raise SystemExit(f"train.py: {args.init} was trained at downsample {checkpoint.get('downsample', contract.DOWNSAMPLE)}, not {args.downsample}")
        net.load_state_dict(checkpoint["state"])
        previous_steps = checkpoint["steps"]
    optimiser = torch.optim.AdamW(net.parameters(), lr=args.lr, weight_decay=1e-4)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, max_lr=args.lr, total_steps=args.steps, pct_start=0.05)
    train_started = time.time()
    running = 0.0
    step = 0
    for step in range(1, args.steps + 1):
        x, y = sample_batch(rng, planes, args.batch, crop_h, crop_w, args.downsample)
        net.train()
        loss = loss_fn(net(x), y)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        schedule.step()
        running = 0.98 * running + 0.02 * loss.item() if step > 1 else loss.item()
        elapsed = time.time() - train_started
        if step % 50 == 0:
            print(f"step {step}/{args.steps} loss {running:.4f} {elapsed:.0f} s ({step / elapsed:.2f} steps/s)", flush=True)
        if args.stop_at and step >= args.stop_at:
            print(f"stopped at step {step} as asked (schedule of {args.steps} steps)", flush=True)
            break
        if elapsed > args.minutes * 60:
            print(f"time budget reached at step {step}", flush=True)
            break
    torch.save({"state": net.state_dict(), "steps": previous_steps + step, "seed": args.seed, "downsample": args.downsample, "train_images": len(files),
                "train_seconds": time.time() - train_started}, args.out)
    print(f"saved {args.out}: {step} steps in {time.time() - train_started:.0f} s", flush=True)


if __name__ == "__main__":
    main()
