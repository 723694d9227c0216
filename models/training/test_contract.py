#!/usr/bin/python3
"""Unit tests of contract.py (numpy and PIL only; CI runs them through TrainingContractTests in Detection.Tests).

Run: cd models/training && /usr/bin/python3 -m unittest -v test_contract
"""
import contextlib
import io
import json
import os
import re
import tempfile
import unittest

import numpy as np
from PIL import Image

import contract


class ContractTests(unittest.TestCase):
    def setUp(self):
        self._temp = tempfile.TemporaryDirectory()
        self.dir = self._temp.name

    def tearDown(self):
        self._temp.cleanup()

    def write(self, name, array):
        Image.fromarray(array).save(os.path.join(self.dir, name))

    def write_bytes(self, name, data):
        with open(os.path.join(self.dir, name), "wb") as handle:
            handle.write(data)

    def scan(self, seed=0, shape=(64, 96)):
        return np.random.default_rng(seed).integers(1000, 60000, size=shape).astype(np.uint16)

    def test_list_radiographs_takes_png_and_tiff_and_leaves_companions_out(self):
        for name in ("b.png", "a.tif", "c.TIFF", "a.le.png", "a.le.tif", "contact-sheet.png"):
            self.write(name, self.scan())
        self.write_bytes("labels.csv", b"file,label,boxes\n")

        names = [os.path.basename(f) for f in contract.list_radiographs(self.dir)]

        self.assertEqual(names, ["a.tif", "b.png", "c.TIFF"])

    def test_list_radiographs_names_a_missing_or_empty_directory(self):
        with self.assertRaisesRegex(ValueError, f"^{re.escape(self.dir)}: no radiographs"):
            contract.list_radiographs(self.dir)
        missing = os.path.join(self.dir, "nope")
        with self.assertRaisesRegex(ValueError, f"^{re.escape(missing)}: not a directory"):
            contract.list_radiographs(missing)

    def test_png_tiff_and_8_bit_png_read_alike(self):
        eight_bit = np.random.default_rng(1).integers(0, 256, size=(64, 96)).astype(np.uint8)
        raw = eight_bit.astype(np.uint16) * 257  # an 8-bit value v reads as 257 v, so these three are one scan
        self.write("a.png", raw)
        self.write("b.tif", raw)
        self.write("c.png", eight_bit)

        planes = [plane for _, plane in contract.read_planes(self.dir)]

        self.assertEqual(len(planes), 3)
        np.testing.assert_array_equal(planes[0], planes[1])
        np.testing.assert_array_equal(planes[0], planes[2])

    def test_a_dark_16_bit_scan_is_not_taken_for_an_8_bit_one(self):
        dark = np.random.default_rng(2).integers(40, 256, size=(8, 8)).astype(np.uint16)  # nearly opaque everywhere
        self.write("dark.png", dark)
        self.write("dark.tif", dark)

        np.testing.assert_array_equal(contract.load_raw(os.path.join(self.dir, "dark.png")), dark)
        np.testing.assert_array_equal(contract.load_raw(os.path.join(self.dir, "dark.tif")), dark)

    def test_read_planes_names_and_skips_unreadable_files(self):
        self.write("a.png", self.scan())
        self.write("rgb.png", np.zeros((8, 8, 3), np.uint8))
        self.write_bytes("junk.png", b"not an image")
        errors = io.StringIO()

        with contextlib.redirect_stderr(errors):
            files = [os.path.basename(f) for f, _ in contract.read_planes(self.dir)]

        self.assertEqual(files, ["a.png"])
        self.assertIn(f"skipped {os.path.join(self.dir, 'junk.png')}: ", errors.getvalue())
        self.assertIn(f"skipped {os.path.join(self.dir, 'rgb.png')}: not a greyscale image (mode RGB)", errors.getvalue())

    def test_read_planes_refuses_a_directory_with_nothing_readable(self):
        self.write_bytes("junk.tif", b"II*\0garbage")
        with contextlib.redirect_stderr(io.StringIO()):
            with self.assertRaisesRegex(ValueError, "none of the 1 radiographs could be read"):
                list(contract.read_planes(self.dir))

    def test_reduce_averages_raw_blocks_rounding_half_up_then_applies_the_log_transform(self):
        raw = np.zeros((4, 6), np.uint16)
        raw[:, :4] = 1000
        raw[0, 0] = 1008  # block sum 16008 over 16 pixels: mean 1000.5, rounds up to 1001
        raw[:, 4:] = 30001  # partial edge block: 2 columns, mean over the 8 pixels it holds

        plane = contract.reduce(raw, d=4)

        self.assertEqual(plane.shape, (1, 2))
        self.assertAlmostEqual(float(plane[0, 0]), -np.log(1001 / 65535) / np.log(65535), places=6)
        self.assertAlmostEqual(float(plane[0, 1]), -np.log(30001 / 65535) / np.log(65535), places=6)

    def test_axis_starts_match_the_gateways_hand_derived_tile_plans(self):
        # The same cases the C# TilePlan is held to (tests/PortScanEdge.Detection.Tests), band plans (top) included.
        golden = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "PortScanEdge.Detection.Tests",
                              "fixtures", "tile-plan-golden.json")
        with open(golden) as handle:
            cases = json.load(handle)["cases"]
        self.assertTrue(any("top" in case for case in cases))
        for case in cases:
            with self.subTest(case=case):
                tile, overlap = case["tile"], case["overlap"]
                self.assertEqual(contract.axis_starts(case["width"], tile, overlap), case["xs"])
                self.assertEqual(contract.axis_starts(case["height"], tile, overlap, case.get("top", 0)), case["ys"])


if __name__ == "__main__":
    unittest.main()
