"""Records Hipcall already holds before the workers start (the bootstrap stage): created through the
simulator's real API with the token, so their ids are unknown to the CRM and the fleet."""

# Of the held companies, by position: already in the final state, or an older state that differs.
EQUAL, DESCRIPTION, DESCRIPTION_AND_LISTS = "equal", "description", "description and lists"
PATTERN = (EQUAL, DESCRIPTION, EQUAL, DESCRIPTION_AND_LISTS)


def older(data, variant, key):
    """The company `data` as Hipcall holds it under `variant`: unchanged; another description; or
    another description, the last phone missing (when it has two or more) and one old email more."""
    body = dict(data)
    if variant == EQUAL:
        return body
    body["description"] = "Imported from the old CRM (%s)." % key
    if variant == DESCRIPTION_AND_LISTS:
        phones = list(body.get("phones") or [])
        body["phones"] = phones[:-1] if len(phones) > 1 else phones
        emails = list(body.get("emails") or [])
        body["emails"] = emails + [{"email": "old-%s@legacy.example.com" % key.lower(), "order": len(emails)}]
    return body


def seed_companies(simulator, expected, every=3):
    """Creates every `every`-th expected company (by external id) with POST /api/v3/companies, in the
    variants of PATTERN in turn. Returns {"held": n, variant: n, ...}. Run it with the rate limit off."""
    counts = {"held": 0}
    held = sorted(expected["companies"])[::every]
    for index, key in enumerate(held):
        variant = PATTERN[index % len(PATTERN)]
        simulator.api("POST", "/companies", dict(older(expected["companies"][key], variant, key), external_id=key))
        counts["held"] += 1
        counts[variant] = counts.get(variant, 0) + 1
    return counts
