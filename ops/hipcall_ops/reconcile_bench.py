"""The reconcile stage of ops/bench: an account of N companies and N contacts (created through the
simulator's API, 1% of each edited as an agent would) reconciled against an export of the CRM's N + N
records. Measures the list calls per resource (target: at most one per page plus one), the findings
(exactly the edited records), and the command's own CPU time and peak RSS (targets: under 2 s and
128 MiB for 10,000 records), read from the kernel's accounting of that one process (wait4)."""
import json
import os
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

from . import harness as h

PAGE = 100


def company(index):
    return {"name": "Company %d" % index, "website_url": "https://c%d.example" % index,
            "phones": [{"number": "+4420%08d" % index, "country": "GB"}], "emails": [{"email": "info@c%d.example" % index}]}


def contact(index):
    return {"first_name": "Person %d" % index, "job_title": "Buyer", "company_external_id": "ERP-%d" % index}


def run(sim, records=10000):
    """Seeds, reconciles once, and returns the figures (see the module's doc)."""
    h.log("==> reconcile: %d companies and %d contacts, 1%% of each edited behind the fleet's back" % (records, records))
    sim.reset()
    drifted = set(range(1, records + 1, 100))
    ids = {}

    def create_company(index):
        body = dict(company(index), external_id="ERP-%d" % index)
        if index in drifted:
            body["name"] = "Renamed by an agent %d" % index
        ids[index] = sim.api("POST", "/companies", body)["data"]["id"]

    def create_contact(index):
        body = {"first_name": "Person %d" % index, "job_title": "Buyer" if index not in drifted else "Agent's edit",
                "external_id": "C-%d" % index, "company_id": ids[index]}
        sim.api("POST", "/contacts", body)

    with ThreadPoolExecutor(16) as pool:
        list(pool.map(create_company, range(1, records + 1)))
        list(pool.map(create_contact, range(1, records + 1)))
    export = os.path.join(h.RUN_DIR, "reconcile-export.ndjson")
    with open(export, "w") as f:
        for index in range(1, records + 1):
            f.write(json.dumps({"type": "company.changed", "external_id": "ERP-%d" % index, "data": company(index)}) + "\n")
        for index in range(1, records + 1):
            f.write(json.dumps({"type": "contact.changed", "external_id": "C-%d" % index, "data": contact(index)}) + "\n")

    before = sim.stats()
    env = dict(os.environ, HIPCALL_TOKEN=sim.token)
    env.pop("HIPCALL_TOKEN_FILE", None)
    started = time.monotonic()
    with open(os.path.join(h.RUN_DIR, "reconcile.out"), "wb") as out:
        process = subprocess.Popen([h.BIN, "reconcile", "--crm-export", export, "--hipcall-base-url", sim.url, "--json"],
                                   stdout=out, stderr=subprocess.STDOUT, env=env)
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.monotonic() - started
    delta = h.stats_delta(before, sim.stats())
    with open(os.path.join(h.RUN_DIR, "reconcile.out")) as f:
        lines = [json.loads(line) for line in f if line.startswith("{")]
    findings = [line for line in lines if line.get("kind") in ("missing", "different", "orphan", "duplicate")]
    found = sorted((f["resource"], f["external_id"]) for f in findings)
    expected = sorted([("companies", "ERP-%d" % i) for i in drifted] + [("contacts", "C-%d" % i) for i in drifted])
    per_resource = {resource: delta["by_route"].get("GET /api/v3/%s" % resource, 0) for resource in ("companies", "contacts")}
    figures = {
        "records_per_resource": records, "exit_status": process.returncode, "seconds": seconds,
        "calls": per_resource, "calls_target": records // PAGE + 1,
        "cpu_s": usage.ru_utime + usage.ru_stime, "peak_rss_mib": usage.ru_maxrss / 1024,
        "findings": len(findings), "findings_exact": found == expected,
    }
    figures["ok"] = (process.returncode == 1 and figures["findings_exact"] and figures["cpu_s"] < 2
                     and figures["peak_rss_mib"] < 128 and all(n <= figures["calls_target"] for n in per_resource.values()))
    h.log("    reconcile: exit %d in %.1f s, calls %s (target <= %d each), CPU %.2f s, peak RSS %.1f MiB, %d findings (%s)" % (
        process.returncode, seconds, per_resource, figures["calls_target"], figures["cpu_s"], figures["peak_rss_mib"],
        len(findings), "exactly the edited records" if figures["findings_exact"] else "NOT the edited records"))
    return figures
