"""Synthetic anomalies for self-supervised training: our own design, independent of the generator's concealments.

Training never sees a labelled anomaly. Instead, extra material is added to normal tiles in the physically right
way (Beer-Lambert: transmitted intensity above the dark offset is multiplied by exp(-delta_mu_t)), and the
network learns to segment what was added. Shapes (generic, sizes drawn independently of any generator kind):
thresholded smooth-noise blobs (DRAEM-style), rotated ellipses/ellipsoids, random convex polygons, boxes
(CutPaste-like, axis-aligned or slightly tilted), clusters of small items, and hollow shells (dense outline,
lighter filling). Amplitude: delta mu*t log-uniform in [0.05, 10]. Texture: smooth multiplicative noise; the
quantum noise that fewer transmitted counts bring is added. The target marks pixels whose noise-free
transmission dropped by at least 2 %. Nothing here reads the generator's labels, kinds or placement rules.
"""
import math

import numpy as np

from contract import DARK, DOWNSAMPLE, LOG_SCALE, counts, log_attenuation


# Each synthetic object is computed only in a window around it (it is zero outside), which makes sampling a batch
# about 1.6 times as fast; the random numbers drawn, their order and every pixel value are what computing it over
# the whole crop gives (test_augment.py checks this), so a recipe trains the same model either way.
# A shape returns ((y0, y1, x0, x1), values); the bounds are its extent plus a margin of at least one pixel.


def _window(h, w, cy, cx, ry, rx):
    """Rows and columns (y0, y1, x0, x1) of the crop within ry / rx (plus a pixel) of (cy, cx); may be empty."""
    y0, y1 = max(0, math.floor(cy - ry) - 1), min(h, math.ceil(cy + ry) + 2)
    x0, x1 = max(0, math.floor(cx - rx) - 1), min(w, math.ceil(cx + rx) + 2)
    return y0, max(y0, y1), x0, max(x0, x1)


def _grid(window):
    y0, y1, x0, x1 = window
    yy, xx = np.mgrid[y0:y1, x0:x1].astype(np.float32)
    return yy, xx


def smooth_noise(rng, h, w, cell, window=None):
    """Bilinear-upsampled random lattice over an h x w crop, values ~[-1, 1]; evaluated on window (y0, y1, x0, x1)
    only when given (the lattice drawn is the whole crop's either way)."""
    gh, gw = int(math.ceil(h / cell)) + 2, int(math.ceil(w / cell)) + 2
    grid = rng.uniform(-1, 1, size=(gh, gw)).astype(np.float32)
    y0, y1, x0, x1 = window if window is not None else (0, h, 0, w)
    ys = np.arange(y0, y1, dtype=np.float32) / cell
    xs = np.arange(x0, x1, dtype=np.float32) / cell
    iy = ys.astype(np.int64)
    ix = xs.astype(np.int64)
    fy = (ys - iy)[:, None]
    fx = (xs - ix)[None, :]
    fy = fy * fy * (3 - 2 * fy)
    fx = fx * fx * (3 - 2 * fx)
    a = grid[iy][:, ix]
    b = grid[iy][:, ix + 1]
    c = grid[iy + 1][:, ix]
    d = grid[iy + 1][:, ix + 1]
    return (a * (1 - fx) + b * fx) * (1 - fy) + (c * (1 - fx) + d * fx) * fy


def _ellipse(rng, h, w, cy, cx):
    ry, rx = math.exp(rng.uniform(math.log(1.5), math.log(18))), math.exp(rng.uniform(math.log(1.5), math.log(30)))
    angle = rng.uniform(0, math.pi)
    window = _window(h, w, cy, cx, max(rx, ry), max(rx, ry))
    yy, xx = _grid(window)
    dy, dx = yy - cy, xx - cx
    u = (dx * math.cos(angle) + dy * math.sin(angle)) / rx
    v = (-dx * math.sin(angle) + dy * math.cos(angle)) / ry
    r2 = u * u + v * v
    if rng.random() < 0.5:
        return window, np.sqrt(np.clip(1 - r2, 0, 1))  # ellipsoid: thickness falls to the rim
    return window, np.clip((1 - np.sqrt(r2)) * max(rx, ry), 0, 1)  # flat disc, soft one-pixel rim


def _noise_blob(rng, h, w, cy, cx):
    size = math.exp(rng.uniform(math.log(3), math.log(28)))
    stretch = rng.uniform(0.6, 1.8)
    # Non-zero only where the falloff exceeds -0.25 (the noise adds at most 0.5): within 1.25 sizes.
    window = _window(h, w, cy, cx, 1.25 * size, 1.25 * size * stretch)
    yy, xx = _grid(window)
    falloff = 1 - np.sqrt(((yy - cy) / size) ** 2 + ((xx - cx) / (size * stretch)) ** 2)
    field = falloff + 0.5 * smooth_noise(rng, h, w, max(2.0, size / 2), window)
    return window, np.clip((field - 0.25) * 4, 0, 1)


def _polygon(rng, h, w, cy, cx):
    radius = math.exp(rng.uniform(math.log(2), math.log(22)))
    n = rng.integers(3, 8)
    angles = np.sort(rng.uniform(0, 2 * math.pi, size=n))
    radii = radius * rng.uniform(0.5, 1.0, size=n)
    py = cy + radii * np.sin(angles)
    px = cx + radii * np.cos(angles) * rng.uniform(0.5, 2.0)
    # Inside every edge's left half-plane means inside the polygon (winding number), so inside its vertices' box.
    window = _window(h, w, (py.min() + py.max()) / 2, (px.min() + px.max()) / 2,
                     (py.max() - py.min()) / 2 + 1, (px.max() - px.min()) / 2 + 1)
    yy, xx = _grid(window)
    inside = np.ones(yy.shape, dtype=bool)
    # Convex hull of the vertices sorted by angle around the centre: inside = left of every edge.
    for i in range(n):
        y1, x1, y2, x2 = py[i], px[i], py[(i + 1) % n], px[(i + 1) % n]
        inside &= (x2 - x1) * (yy - y1) - (y2 - y1) * (xx - x1) >= 0
    return window, inside.astype(np.float32)


def _rectangle(rng, h, w, cy, cx):
    """A box seen side-on: uniform thickness, axis-aligned or slightly tilted (CutPaste-like, generic sizes)."""
    hh = math.exp(rng.uniform(math.log(1.0), math.log(14)))
    hw = math.exp(rng.uniform(math.log(1.0), math.log(24)))
    angle = rng.uniform(-0.25, 0.25) if rng.random() < 0.4 else 0.0
    # Tilted or not, the box (with its half-pixel soft edge) lies within hw + hh + 1 of its centre on both axes;
    # one more pixel keeps a ring of zeros inside the window (the shell's erosion relies on it).
    window = _window(h, w, cy, cx, hw + hh + 2, hw + hh + 2)
    yy, xx = _grid(window)
    dy, dx = yy - cy, xx - cx
    u = np.abs(dx * math.cos(angle) + dy * math.sin(angle))
    v = np.abs(-dx * math.sin(angle) + dy * math.cos(angle))
    # Partial coverage at the border (sub-pixel edges, as the 4x4 box average sees them).
    return window, np.clip(hw + 0.5 - u, 0, 1) * np.clip(hh + 0.5 - v, 0, 1)


def _cluster(rng, h, w, cy, cx):
    """Several small items close together (a stack, a row, a scatter), each its own small shape."""
    parts = []
    spread = rng.uniform(3, 16)
    for _ in range(int(rng.integers(2, 7))):
        oy, ox = rng.normal(0, spread / 2), rng.normal(0, spread)
        window, part = (_rectangle if rng.random() < 0.5 else _ellipse)(rng, h, w, cy + oy, cx + ox)
        parts.append((window, part * rng.uniform(0.7, 1.0)))
    parts = [(window, part) for window, part in parts if part.size]  # items wholly outside the crop drop out
    if not parts:
        return (0, 0, 0, 0), np.zeros((0, 0), dtype=np.float32)
    windows = [window for window, _ in parts]
    window = (min(y0 for y0, _, _, _ in windows), max(y1 for _, y1, _, _ in windows),
              min(x0 for _, _, x0, _ in windows), max(x1 for _, _, _, x1 in windows))
    total = np.zeros((window[1] - window[0], window[3] - window[2]), dtype=np.float32)
    for (y0, y1, x0, x1), part in parts:
        view = total[y0 - window[0]:y1 - window[0], x0 - window[2]:x1 - window[2]]
        np.maximum(view, part, out=view)
    return window, total


def _shell(rng, h, w, cy, cx):
    """A hollow container: a thin dense outline around a lighter filling (a false wall's skin and its load)."""
    window, outer = _rectangle(rng, h, w, cy, cx)
    eroded = outer.copy()
    # The crop's own border keeps its value, as before windows; the window's other edges hold zeros either way.
    eroded[1:-1, 1:-1] = np.minimum.reduce([outer[:-2, 1:-1], outer[2:, 1:-1], outer[1:-1, :-2], outer[1:-1, 2:], outer[1:-1, 1:-1]])
    return window, (outer - eroded) * rng.uniform(1.5, 4.0) + eroded * rng.uniform(0.2, 1.0)


SHAPES = (_ellipse, _noise_blob, _polygon, _rectangle, _cluster, _shell)
# Transformed value above which a pixel holds material (air is ~0.015 after the log transform).
MATERIAL = 0.04
# Smallest change the network is asked to find: a 2 % drop in transmitted intensity (delta -ln I = 0.02).
# Noise after 4x4 averaging is about 0.2 % (air) to 1.5 % (dense parts), so this is at the edge of visibility.
TARGET_MIN = 0.02 / (LOG_SCALE)


def add_anomalies(rng, tile, count, downsample=DOWNSAMPLE):
    """Returns (tile with material added, target mask of visibly changed pixels)."""
    h, w = tile.shape
    delta = np.zeros((h, w), dtype=np.float32)
    # Contraband hides in vehicles: most centres are drawn from pixels that hold material, not open air.
    material = np.flatnonzero(tile.ravel() > MATERIAL)
    for _ in range(count):
        if len(material) > 0 and rng.random() < 0.85:
            index = material[rng.integers(0, len(material))]
            cy, cx = index // w + rng.uniform(0, 1), index % w + rng.uniform(0, 1)
        else:
            cy, cx = rng.uniform(0, h), rng.uniform(0, w)
        window, shape = SHAPES[rng.integers(0, len(SHAPES))](rng, h, w, cy, cx)
        amplitude = math.exp(rng.uniform(math.log(0.05), math.log(10.0)))
        texture = 1 + rng.uniform(0, 0.4) * smooth_noise(rng, h, w, rng.uniform(2, 8), window)
        y0, y1, x0, x1 = window
        delta[y0:y1, x0:x1] += amplitude * shape * texture
    intensity = counts(tile)
    changed = np.maximum(intensity - DARK, 0) * np.exp(-delta) + DARK
    clean = log_attenuation(changed).astype(np.float32)
    target = ((clean - tile) > TARGET_MIN).astype(np.float32)
    # Fewer counts mean more relative quantum noise: add the missing variance (detector variance 4*I + 36
    # counts^2 per raw pixel, averaged over the downsample x downsample block), so added material has the noise
    # texture it would have.
    def log_variance(counts):
        counts = np.maximum(counts, 1.0)
        return (4 * counts + 36) / (counts * counts) / (downsample * downsample)
    extra = np.maximum(log_variance(changed) - log_variance(intensity), 0)
    out = clean + (np.sqrt(extra) / LOG_SCALE * rng.standard_normal(size=(h, w))).astype(np.float32)
    return np.clip(out, 0, 1), target
