#!/usr/bin/python3
"""Unit tests of augment.py (numpy only; CI runs them through TrainingContractTests in Detection.Tests).

Run: cd models/training && /usr/bin/python3 -m unittest -v test_augment
"""
import unittest
from unittest import mock

import numpy as np

import augment
import contract

H, W = 128, 192


def whole_crop(h, w, *_):
    """A window that is always the whole crop: what each shape computed before windows."""
    return 0, h, 0, w


def placed(window, values, h=H, w=W):
    full = np.zeros((h, w), dtype=values.dtype)
    y0, y1, x0, x1 = window
    full[y0:y1, x0:x1] = values
    return full


def tile(seed):
    """A crop with air, a few dense parts and noise, in the contract's transformed values."""
    rng = np.random.default_rng(seed)
    values = np.full((H, W), contract.LUT[65535], dtype=np.float32)
    for _ in range(4):
        y, x = rng.integers(0, H - 20), rng.integers(0, W - 30)
        values[y:y + rng.integers(8, 60), x:x + rng.integers(10, 120)] = rng.uniform(0.1, 0.6)
    return np.clip(values + rng.normal(0, 0.004, size=(H, W)).astype(np.float32), 0, 1)


class WindowTests(unittest.TestCase):
    def test_each_shape_equals_its_whole_crop_computation(self):
        # Centres everywhere, corners and edges included, so windows get clipped by the crop and cluster items
        # fall outside it: the windowed shape, placed on the crop, is the whole-crop shape bit for bit, and both
        # draw the same random numbers.
        for shape in augment.SHAPES:
            for seed in range(150):
                with self.subTest(shape=shape.__name__, seed=seed):
                    centre = np.random.default_rng(10_000 + seed)
                    cy, cx = centre.uniform(-2, H + 2), centre.uniform(-2, W + 2)
                    rng = np.random.default_rng(seed)
                    window, values = shape(rng, H, W, cy, cx)
                    reference_rng = np.random.default_rng(seed)
                    with mock.patch.object(augment, "_window", whole_crop):
                        reference_window, reference = shape(reference_rng, H, W, cy, cx)
                    self.assertEqual(reference_window, (0, H, 0, W))
                    self.assertEqual(values.dtype, reference.dtype)
                    self.assertEqual(values.shape, (window[1] - window[0], window[3] - window[2]))
                    np.testing.assert_array_equal(placed(window, values), reference)
                    self.assertEqual(rng.random(), reference_rng.random())

    def test_add_anomalies_equals_its_whole_crop_computation(self):
        for seed in range(60):
            with self.subTest(seed=seed):
                base = tile(seed)
                rng = np.random.default_rng(seed)
                out, target = augment.add_anomalies(rng, base, 3)
                reference_rng = np.random.default_rng(seed)
                with mock.patch.object(augment, "_window", whole_crop):
                    reference_out, reference_target = augment.add_anomalies(reference_rng, base, 3)
                np.testing.assert_array_equal(out, reference_out)
                np.testing.assert_array_equal(target, reference_target)
                self.assertEqual(rng.random(), reference_rng.random())

    def test_smooth_noise_window_is_a_slice_of_the_whole(self):
        whole = augment.smooth_noise(np.random.default_rng(5), H, W, 6.5)
        part = augment.smooth_noise(np.random.default_rng(5), H, W, 6.5, (17, 90, 3, 150))
        np.testing.assert_array_equal(part, whole[17:90, 3:150])
        self.assertLessEqual(float(np.abs(whole).max()), 1.0)


class AnomalyTests(unittest.TestCase):
    def test_added_material_only_darkens_and_the_target_marks_where(self):
        for seed in range(20):
            with self.subTest(seed=seed):
                base = tile(100 + seed)
                out, target = augment.add_anomalies(np.random.default_rng(seed), base, 2)
                self.assertEqual(out.shape, base.shape)
                self.assertEqual(target.shape, base.shape)
                self.assertTrue(set(np.unique(target)) <= {0.0, 1.0})
                self.assertGreater(target.sum(), 0)
                self.assertTrue(((out >= 0) & (out <= 1)).all())
                # Where something was added the transformed value (attenuation) rose; noise aside, nothing else moved.
                self.assertGreater(float((out - base)[target == 1].mean()), augment.TARGET_MIN)
                self.assertLess(float(np.abs(out - base)[target == 0].mean()), 0.01)


if __name__ == "__main__":
    unittest.main()
