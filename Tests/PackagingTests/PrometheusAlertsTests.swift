import Foundation
import HipcallSync
import Testing

@Suite("ops/prometheus/alerts.yaml")
struct PrometheusAlertsTests {
    let rules: [[String: Any]]

    init() throws {
        let document = try requireMap(Repository.yaml("ops/prometheus/alerts.yaml"), "alerts")
        let groups = (document["groups"] as? [Any] ?? []).compactMap { $0 as? [String: Any] }
        rules = groups.flatMap { ($0["rules"] as? [Any] ?? []).compactMap { $0 as? [String: Any] } }
    }

    func expression(_ rule: [String: Any]) -> String { scalarText(rule["expr"]) ?? "" }

    @Test("every rule is a complete alert")
    func shape() throws {
        #expect(!rules.isEmpty)
        var names: Set<String> = []
        for rule in rules {
            let name = try rule.string("alert")
            #expect(names.insert(name).inserted, "\(name) twice")
            #expect(!expression(rule).isEmpty, "\(name): expr")
            #expect(scalarText(rule["for"]) != nil, "\(name): for")
            let severity = try rule.map("labels").string("severity")
            #expect(["warning", "critical"].contains(severity), "\(name): severity \(severity)")
            let annotations = try rule.map("annotations")
            for key in ["summary", "description", "runbook_url"] {
                #expect(scalarText(annotations[key])?.isEmpty == false, "\(name): annotation \(key)")
            }
            // Brackets, braces and parentheses balance, quotes pair up.
            let expr = expression(rule)
            for (open, close) in [("(", ")"), ("{", "}"), ("[", "]")] {
                #expect(expr.filter { String($0) == open }.count == expr.filter { String($0) == close }.count, "\(name): unbalanced \(open)\(close)")
            }
            #expect(expr.filter { $0 == "\"" }.count % 2 == 0, "\(name): unpaired quote")
        }
    }

    @Test("every runbook_url points at a section of ops/runbook.md")
    func runbookLinks() throws {
        let anchors = try RunbookTests.anchors()
        for rule in rules {
            let url = try rule.map("annotations").string("runbook_url")
            let parts = url.split(separator: "#", maxSplits: 1).map(String.init)
            #expect(parts.first == "ops/runbook.md" && parts.count == 2, "\(url)")
            if parts.count == 2 { #expect(anchors.contains(parts[1]), "\(url): no such section") }
        }
    }

    @Test("the alerts the issue asks for")
    func coverage() throws {
        let topology = SyncTopology()
        let expressions = rules.map(expression)
        func some(_ what: String, _ predicate: (String) -> Bool) {
            let found = expressions.contains(where: predicate)
            #expect(found, "an alert on \(what)")
        }
        some("dead letters growing") { $0.contains("outcome=\"dead_lettered\"") || $0.contains("queue=\"\(topology.deadLetterQueue)\"") }
        some("no consumers on the work queue") { $0.contains("rabbitmq_queue_consumers{queue=\"\(topology.workQueue)\"}") }
        some("backlog growing") { $0.contains("rabbitmq_queue_messages_ready{queue=\"\(topology.workQueue)\"}") && ($0.contains("deriv(") || $0.contains("delta(")) }
        some("the 429 rate") { $0.contains("hipcall_sync_api_calls_total{status=\"429\"}") }
        some("auth failures") { $0.contains("hipcall_sync_auth_paused") }
    }

    @Test("every hipcall_sync_* metric exists in WorkerMetrics.swift")
    func workerMetrics() throws {
        let known = try MetricCatalog.workerSeries()
        #expect(!known.isEmpty)
        let used = MetricCatalog.workerNames(in: rules.map(expression).joined(separator: "\n"))
        #expect(!used.isEmpty)
        #expect(used.subtracting(known).isEmpty, "unknown: \(used.subtracting(known).sorted()); known: \(known.sorted())")
    }

    @Test("RabbitMQ metrics and queue names are real")
    func rabbitMQ() throws {
        let text = rules.map(expression).joined(separator: "\n")
        let used = MetricCatalog.rabbitMQNames(in: text)
        #expect(used.subtracting(MetricCatalog.rabbitMQSeries).isEmpty, "\(used.subtracting(MetricCatalog.rabbitMQSeries))")
        let topology = SyncTopology()
        let declared = Set(topology.queues.map(\.name))
        let queues = MetricCatalog.queueNames(in: text)
        #expect(!queues.isEmpty)
        #expect(queues.subtracting(declared).isEmpty, "queues the topology does not declare: \(queues.subtracting(declared))")
    }

    @Test("the metric check catches an unknown name")
    func checkFails() throws {
        let used = MetricCatalog.workerNames(in: "rate(hipcall_sync_events_totl[5m]) + hipcall_sync_upsert_duration_seconds_bucket")
        #expect(used.subtracting(try MetricCatalog.workerSeries()) == ["hipcall_sync_events_totl"])
    }
}
