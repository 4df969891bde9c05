"""Unit tests of the stream stage's pure parts (no I/O): cd ops && python3 -m unittest hipcall_ops.test_stream"""
import unittest

from . import stream


def stats(total, answers_429):
    return {"total": total, "by_status": {"200": total - answers_429, "429": answers_429}}


class ShapeTests(unittest.TestCase):
    def test_the_cheapest_plan_spends_the_load_share_of_the_budget(self):
        events, keys, rate = stream.shape(300, 0.8, 600)
        # One create per key plus a count call per resource: 80% of 10 calls/s for 300 s.
        self.assertAlmostEqual((keys + 2) / 300, 8.0, delta=0.01)
        # publish's rounding of the duplicates: the rest are fresh, one version per key.
        self.assertEqual(events - keys, int(events * 0.1 + 0.5))
        self.assertAlmostEqual(rate, events / 300)


class KillAndJoinTests(unittest.TestCase):
    def test_both_come_after_the_first_minute(self):
        self.assertEqual(stream.kill_and_join(300), (120, 180))
        self.assertEqual(stream.kill_and_join(120), (75, 90))
        self.assertEqual(stream.kill_and_join(50), (20, 30))


class SampleTests(unittest.TestCase):
    SAMPLES = [(0.0, stats(0, 0)), (30.0, stats(300, 2)), (60.1, stats(600, 5)), (90.0, stats(900, 5)),
               (120.2, stats(1200, 6)), (131.0, stats(1300, 6))]

    def test_429s_since_count_from_the_sample_at_that_time(self):
        self.assertEqual(stream.answers_429_since(self.SAMPLES, 60), 1)
        # Since 100 s: from the 90 s sample, so the one answered before 120 s is never missed.
        self.assertEqual(stream.answers_429_since(self.SAMPLES, 100), 1)
        self.assertEqual(stream.answers_429_since(self.SAMPLES, 125), 0)

    def test_per_minute_counts_split_at_whole_minutes_and_end_at_the_last_sample(self):
        self.assertEqual(stream.per_minute_counts(self.SAMPLES), [(1, 600, 5), (2, 600, 1), (3, 100, 0)])


if __name__ == "__main__":
    unittest.main()
