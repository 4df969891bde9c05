"""The drift drill of ops/chaos: the fleet syncs a CRM export (`hipcall-sync resync`), then a share
of the simulator's records is edited directly, as an agent would in Hipcall's interface (companies
renamed, a phone deleted, contacts unlinked from their company); `hipcall-sync reconcile --repair`
must report exactly those records, the workers must apply its events, and a second reconcile must
exit 0 (in sync). The fleet's fingerprints still claim the old state: only the repair marker makes
the workers write those records again."""
import json
import os
import subprocess
import time

from . import harness as h
from .reconcile_bench import company, contact


def reconcile(topology, sim, export, name, *extra):
    """Runs `reconcile --json`; returns (exit status, findings, summary)."""
    env = topology.env(HIPCALL_TOKEN=sim.token)
    env.pop("HIPCALL_TOKEN_FILE", None)
    result = subprocess.run([h.BIN, "reconcile", "--crm-export", export, "--hipcall-base-url", sim.url, "--json", *extra],
                            capture_output=True, text=True, env=env, timeout=600)
    with open(os.path.join(h.RUN_DIR, name + ".log"), "w") as out:
        out.write(result.stdout + result.stderr)
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    findings = [line for line in lines if line.get("kind") in ("missing", "different", "orphan", "duplicate")]
    summary = next((line for line in lines if line.get("kind") == "summary"), {})
    return result.returncode, findings, summary


def run(sim, topology, workers, records=300, share=0.1, timeout=150):
    """The drill; returns a row of ops/chaos's table (see chaos.results)."""
    name = "drift"
    export = os.path.join(h.RUN_DIR, name + ".export.ndjson")
    with open(export, "w") as f:
        for index in range(1, records + 1):
            f.write(json.dumps({"type": "company.changed", "external_id": "ERP-%d" % index, "data": company(index)}) + "\n")
        for index in range(1, records + 1):
            f.write(json.dumps({"type": "contact.changed", "external_id": "C-%d" % index, "data": contact(index)}) + "\n")
    subprocess.run([h.BIN, "resync", "--crm-export", export, "--json"], env=topology.env(), check=True, capture_output=True, timeout=120)
    if h.wait_drained(topology, workers, 2 * records, timeout) is None:
        return [name, h.fmt(2 * records), "n/a", "", "0", h.fmt(h.dead_letters(topology)), "timeout", "FAIL", "resync did not drain"]

    # An agent's edits, straight through Hipcall's API, behind the fleet's back.
    held = sim.records()
    companies = {r["external_id"]: r for r in held["companies"]}
    contacts = {r["external_id"]: r for r in held["contacts"]}
    step = max(1, int(1 / share))
    edited = set()
    for index in range(1, records + 1, step):
        key = "ERP-%d" % index
        if index % 2:
            sim.api("PATCH", "/companies/%d" % companies[key]["id"], {"name": "Renamed by an agent %d" % index})
        else:
            number = companies[key]["phones"][0]["number"]
            sim.api("DELETE", "/companies/%d/phones/%s" % (companies[key]["id"], number.replace("+", "%2B")))
        edited.add(("companies", key))
        contact_key = "C-%d" % (index + 1)
        if contact_key in contacts:
            sim.api("PATCH", "/contacts/%d" % contacts[contact_key]["id"], {"company_id": None})
            edited.add(("contacts", contact_key))

    status, findings, summary = reconcile(topology, sim, export, name + ".reconcile-repair", "--repair")
    found = {(f["resource"], f["external_id"]) for f in findings}
    repaired = (summary.get("repair") or {}).get("confirmed", 0)
    settled_before = sum(v for k, v in h.outcomes(workers).items() if k != "retried")
    started = time.time()
    drained = h.wait_drained(topology, workers, settled_before + repaired, timeout)
    seconds = time.time() - started if drained is not None else None
    second, left, _ = reconcile(topology, sim, export, name + ".reconcile-again")
    ok = status == 1 and found == edited and repaired == len(edited) and seconds is not None and second == 0 and not left
    h.log("    drift: %d records edited, reconcile found %d (%s), %d repairs confirmed, drained in %s s; second reconcile "
          "exit %d with %d findings" % (len(edited), len(found), "exactly those" if found == edited else "NOT those",
                                        repaired, h.fmt(seconds, 1) if seconds is not None else "timeout", second, len(left)))
    return [name, h.fmt(repaired), h.fmt(len(left)), "", "0", h.fmt(h.dead_letters(topology)),
            h.fmt(seconds, 1) if seconds is not None else "timeout", "ok" if ok else "FAIL",
            "%d%% of %d records edited in Hipcall" % (round(share * 100), 2 * records)]
