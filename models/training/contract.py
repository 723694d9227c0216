"""Preprocessing exactly as models/CONTRACT.md and the gateway (src/PortScanEdge.Detection/Processing) do it.

Raw 16-bit radiograph -> box average of the *raw* values over downsample x downsample blocks (rounded to the
nearest integer, as the gateway's integer accumulator does) -> log_attenuation transform
v = clamp(-ln(max(raw,1)/scale) / ln(scale), 0, 1) -> tiles of input_height x input_width placed every
(tile - overlap) pixels, the last one pulled back to end at the edge; image score = max tile score.
A two-band model (models/CONTRACT.md) adds a band network at BAND_DOWNSAMPLE for the rows from BAND_FROM of the
height down; score.py combines the two maps as the gateway does.
"""
import math
import os
import sys

import numpy as np
from PIL import Image

SCALE = 65535.0
LOG_SCALE = math.log(SCALE)
# Radiograph pixels per network pixel along each axis: the main network's. A two-band model's band network
# (models/CONTRACT.md, "Two-band models") sees the bottom of the scan at BAND_DOWNSAMPLE, in finer detail.
DOWNSAMPLE = 4
BAND_DOWNSAMPLE = 2
# Where the band starts, as a share of the scan height (rows from here down: wheels, chassis, tanks).
BAND_FROM = 0.8125
TILE_H = 256
TILE_W = 512
OVERLAP = 32
# Transmitted counts of a fully opaque ray (the generator's dark offset; real detectors have one too).
DARK = 40.0


def log_attenuation(counts):
    """The contract's transform of (possibly fractional) counts: clamp(-ln(max(counts,1)/scale) / ln(scale), 0, 1)."""
    return np.clip(-np.log(np.maximum(counts, 1.0) / SCALE) / LOG_SCALE, 0.0, 1.0)


def counts(values):
    """The inverse of log_attenuation (for values inside 0..1): the counts a transformed pixel stands for."""
    return np.exp(-values.astype(np.float64) * LOG_SCALE) * SCALE


def _lut():
    return log_attenuation(np.arange(65536, dtype=np.float64)).astype(np.float32)


LUT = _lut()


# Radiograph files, as the gateway reads them: PNG or TIFF, 16-bit (or 8-bit, scaled up) greyscale. A dual-energy
# scan's low-energy companion (NAME.le.png) and synth's contact sheet are not radiographs of their own.
RADIOGRAPH_SUFFIXES = (".png", ".tif", ".tiff")


def list_radiographs(directory):
    """The radiograph files in directory, sorted by name; ValueError naming the directory when there are none."""
    if not os.path.isdir(directory):
        raise ValueError(f"{directory}: not a directory")
    names = [n for n in os.listdir(directory)
             if n.lower().endswith(RADIOGRAPH_SUFFIXES) and not os.path.splitext(n)[0].lower().endswith(".le")
             and not n.startswith("contact-sheet")]
    if not names:
        raise ValueError(f"{directory}: no radiographs (*.png, *.tif, *.tiff)")
    return [os.path.join(directory, n) for n in sorted(names)]


def read_radiographs(directory, limit=0):
    """Yields (file, raw uint16 [H, W]) for the radiographs in directory (the first `limit` when > 0).

    A file that cannot be read is named on stderr and skipped, so one bad scan in a site's export does not end a
    half-hour run; ValueError when the directory holds no radiograph or none of them could be read.
    """
    files = list_radiographs(directory)
    files = files[:limit] if limit else files
    read = 0
    for path in files:
        try:
            raw = load_raw(path)
        except (OSError, ValueError) as error:
            print(f"skipped {path}: {error}", file=sys.stderr, flush=True)
            continue
        read += 1
        yield path, raw
    if read == 0:
        raise ValueError(f"{directory}: none of the {len(files)} radiographs could be read")


def read_planes(directory, limit=0, downsample=DOWNSAMPLE):
    """Yields (file, plane reduced by downsample) for the radiographs in directory, as read_radiographs reads them."""
    for path, raw in read_radiographs(directory, limit):
        yield path, reduce(raw, downsample)


def load_raw(path):
    """A greyscale radiograph (16-bit, or 8-bit scaled to 16) as uint16 [H, W]; ValueError for colour images."""
    with Image.open(path) as image:
        mode = image.mode
        array = np.array(image)
    if array.ndim != 2:
        raise ValueError(f"not a greyscale image (mode {mode})")
    # Widened by the file's bit depth, as the gateway does (255 -> 65535), never by its values: a 16-bit scan of
    # something nearly opaque can hold nothing above 255 and must stay as it is.
    if mode == "L":
        return array.astype(np.uint16) * 257
    return np.clip(array.astype(np.int64), 0, 65535).astype(np.uint16)


def reduce(raw, d=DOWNSAMPLE):
    """Box-average downsample of raw values (partial edge blocks averaged over what they hold), then the LUT."""
    h, w = raw.shape
    rh, rw = (h + d - 1) // d, (w + d - 1) // d
    padded = np.zeros((rh * d, rw * d), dtype=np.uint64)
    counts = np.zeros((rh * d, rw * d), dtype=np.uint64)
    padded[:h, :w] = raw
    counts[:h, :w] = 1
    sums = padded.reshape(rh, d, rw, d).sum(axis=(1, 3))
    n = counts.reshape(rh, d, rw, d).sum(axis=(1, 3))
    mean = (sums + n // 2) // n
    return LUT[mean.astype(np.int64)]


def axis_starts(length, tile, overlap, top=0):
    """Tile starts covering [top, length): every (tile - overlap), the last pulled back to end at the edge; when
    that span is shorter than a tile, one tile ending at the edge (reaching above top for context, padded only
    when the whole axis is shorter than a tile)."""
    if length - top <= tile:
        return [max(0, length - tile)]
    step = tile - overlap
    starts = list(range(top, length - tile, step))
    starts.append(length - tile)
    return sorted(set(starts))


def tiles(plane, top=0):
    """Yields (y, x, tile[TILE_H, TILE_W]) covering the plane's rows from top down; pads with air where the plane
    is smaller than a tile."""
    h, w = plane.shape
    pad = LUT[65535]
    for y in axis_starts(h, TILE_H, OVERLAP, top):
        for x in axis_starts(w, TILE_W, OVERLAP):
            tile = np.full((TILE_H, TILE_W), pad, dtype=np.float32)
            part = plane[y:y + TILE_H, x:x + TILE_W]
            tile[:part.shape[0], :part.shape[1]] = part
            yield y, x, tile
