"""The cheapest plan of a workload: the fewest API calls that bring Hipcall from the records it
holds before the workers start to the state an expect file names (pure logic, no I/O).

Per resource, the ids of the keys the fleet has never seen are learnt the cheaper way: a list
scan (1 call with limit=1 for meta.count, then ceil(existing / 100) pages of 100) or one lookup per
key. Then each key costs the writes its record needs, by the worker's comparison rules (UpsertPlan):
one POST for a missing record; for an existing one, one PATCH when any scalar field differs (text
with "" equal to null, external ids normalised, a contact's company_external_id as its company's
id, custom_fields by the slugs named) plus one call per phone or email added or removed (phones by
number, emails case-insensitively); nothing when the record already matches.
"""
import math

RESOURCES = ("companies", "contacts")
PAGE = 100  # records per list page


def external_id(value):
    """An external id as a trimmed string (integers as strings); None for anything else or empty."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return value.strip() or None
    return None


def _cleared(value):
    return None if value == "" else value


def _identities(items, member, identity):
    return {identity(item[member]) for item in (items or []) if isinstance(item, dict) and isinstance(item.get(member), str)}


def _phone(number):
    return number.strip()


def _email(address):
    return address.strip().lower()


def writes(data, record, company_ids):
    """The calls that bring `record` (Hipcall's fields, or None when missing) to `data` (an expect
    file's entry): {"post": 0|1, "patch": 0|1, "items": n}. `company_ids` maps company external ids to
    the ids Hipcall held at the start."""
    if record is None:
        return {"post": 1, "patch": 0, "items": 0}
    patch = False
    items = 0
    for name, wanted in data.items():
        if name in ("phones", "emails"):
            member, identity = ("number", _phone) if name == "phones" else ("email", _email)
            want = _identities(wanted, member, identity)
            have = _identities(record.get(name), member, identity)
            items += len(want - have) + len(have - want)
        elif name == "company_external_id":
            # A company Hipcall does not hold yet gets its id only once it is created: the link is a PATCH.
            company = external_id(wanted)
            target = company_ids.get(company) if company is not None else None
            stored = record.get("company_id")
            patch |= stored is not None if company is None else target is None or target != stored
        elif name == "external_id":
            patch |= external_id(wanted) != external_id(record.get(name))
        elif name == "custom_fields":
            stored = record.get(name) or {}
            patch |= any(_cleared(v) != _cleared(stored.get(k)) for k, v in (wanted or {}).items())
        else:
            patch |= _cleared(wanted) != _cleared(record.get(name))
    return {"post": 0, "patch": int(patch), "items": items}


def plan(expected, initial, per_minute):
    """The cheapest plan for `expected` (an expect file: {"companies": {id: data}, "contacts": ...})
    from `initial` (the simulator's records before the workers start, {"companies": [...], ...}),
    with its time at `per_minute` requests a minute. Every expected key counts as unknown to the fleet."""
    company_ids = {external_id(r.get("external_id")): r["id"] for r in initial.get("companies", [])}
    result = {"resources": {}, "calls": 0, "changed": 0, "records": 0}
    for resource in RESOURCES:
        keys = expected.get(resource, {})
        held = {external_id(r.get("external_id")): r for r in initial.get(resource, [])}
        scan = 1 + math.ceil(len(held) / PAGE)
        learn = min(scan, len(keys))
        entry = {"keys": len(keys), "existing": len(held), "learn": "scan" if scan < len(keys) else "lookups",
                 "learn_calls": learn, "posts": 0, "patches": 0, "item_calls": 0, "unchanged": 0}
        for key, data in keys.items():
            needed = writes(data, held.get(external_id(key)), company_ids)
            entry["posts"] += needed["post"]
            entry["patches"] += needed["patch"]
            entry["item_calls"] += needed["items"]
            if not any(needed.values()):
                entry["unchanged"] += 1
        entry["write_calls"] = entry["posts"] + entry["patches"] + entry["item_calls"]
        entry["changed"] = len(keys) - entry["unchanged"]
        result["resources"][resource] = entry
        result["calls"] += learn + entry["write_calls"]
        result["changed"] += entry["changed"]
        result["records"] += len(keys)
    result["per_minute"] = per_minute
    result["seconds"] = result["calls"] / (per_minute / 60) if per_minute else None
    return result


def describe(cheapest):
    """One line: per resource how ids are learnt and the writes, then the total and its time."""
    parts = []
    for resource, entry in cheapest["resources"].items():
        parts.append("%s: %s %d (%d held), %d POST, %d PATCH, %d phone/email calls, %d unchanged" % (
            resource, entry["learn"], entry["learn_calls"], entry["existing"], entry["posts"], entry["patches"],
            entry["item_calls"], entry["unchanged"]))
    return "%s; %d calls = %.1f s at %d/min" % ("; ".join(parts), cheapest["calls"], cheapest["seconds"] or 0,
                                                cheapest["per_minute"])
