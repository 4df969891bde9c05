"""Unit tests of the cheapest plan (no I/O): cd ops && python3 -m unittest hipcall_ops.test_cheapest"""
import unittest

from . import cheapest

COMPANY = {
    "name": "Acme", "description": "Tools.", "website_url": None,
    "phones": [{"country": "TR", "number": "+905551112233", "order": 0}],
    "emails": [{"email": "info@acme.example", "order": 0}],
}


def record(id, external_id, **fields):
    merged = dict(COMPANY, external_id=external_id, **fields)
    return dict(merged, id=id)


class WritesTests(unittest.TestCase):
    def test_missing_record_is_one_post(self):
        self.assertEqual(cheapest.writes(COMPANY, None, {}), {"post": 1, "patch": 0, "items": 0})

    def test_equal_record_costs_nothing(self):
        # "" equals null, emails compare case-insensitively, phones by number only.
        stored = record(1, "CO-1", website_url="", emails=[{"email": " INFO@acme.example", "order": 3}],
                        phones=[{"country": "DE", "number": "+905551112233", "order": 2}])
        self.assertEqual(cheapest.writes(COMPANY, stored, {}), {"post": 0, "patch": 0, "items": 0})

    def test_scalars_cost_one_patch_and_each_item_one_call(self):
        stored = record(1, "CO-1", description="Old.", name="Acme Group",
                        phones=[{"number": "+905550000000"}], emails=[])
        # Two scalars differ: one PATCH; one phone added, one removed, one email added.
        self.assertEqual(cheapest.writes(COMPANY, stored, {}), {"post": 0, "patch": 1, "items": 3})

    def test_contact_company_link_compares_the_company_id(self):
        contact = {"first_name": "Ada", "company_external_id": "CO-1"}
        linked = {"id": 9, "first_name": "Ada", "company_id": 5}
        self.assertEqual(cheapest.writes(contact, linked, {"CO-1": 5})["patch"], 0)
        self.assertEqual(cheapest.writes(contact, linked, {"CO-1": 6})["patch"], 1)
        # The company is not in Hipcall yet: linking it needs a PATCH once it exists.
        self.assertEqual(cheapest.writes(contact, dict(linked, company_id=None), {})["patch"], 1)
        self.assertEqual(cheapest.writes(dict(contact, company_external_id=None), linked, {})["patch"], 1)


class PlanTests(unittest.TestCase):
    def test_empty_account_is_one_count_call_and_one_post_per_key(self):
        expected = {"companies": {"CO-%d" % i: COMPANY for i in range(300)}, "contacts": {}}
        plan = cheapest.plan(expected, {"companies": [], "contacts": []}, per_minute=600)
        companies = plan["resources"]["companies"]
        self.assertEqual((companies["learn"], companies["learn_calls"], companies["posts"]), ("scan", 1, 300))
        self.assertEqual(plan["calls"], 301)
        self.assertEqual(plan["changed"], 300)
        self.assertAlmostEqual(plan["seconds"], 30.1)

    def test_a_large_account_with_a_small_backlog_is_looked_up(self):
        held = [record(i + 1, "CO-%d" % i) for i in range(1000)]
        expected = {"companies": {"CO-%d" % i: COMPANY for i in range(5)}, "contacts": {}}
        plan = cheapest.plan(expected, {"companies": held, "contacts": []}, per_minute=600)
        companies = plan["resources"]["companies"]
        self.assertEqual((companies["learn"], companies["learn_calls"]), ("lookups", 5))
        # All five already hold the expected state: nothing to write.
        self.assertEqual((companies["write_calls"], companies["unchanged"], plan["changed"]), (0, 5, 0))
        self.assertEqual(plan["calls"], 5)

    def test_a_scan_costs_its_count_call_and_its_pages(self):
        held = [record(i + 1, "CO-%d" % i) for i in range(250)]
        expected = {"companies": {"CO-%d" % i: COMPANY for i in range(400)}, "contacts": {}}
        plan = cheapest.plan(expected, {"companies": held, "contacts": []}, per_minute=600)
        companies = plan["resources"]["companies"]
        self.assertEqual((companies["learn"], companies["learn_calls"], companies["posts"]), ("scan", 4, 150))
        self.assertEqual(plan["calls"], 4 + 150)


if __name__ == "__main__":
    unittest.main()
