import Foundation
import HipcallSync
import Testing

@Suite("ops/grafana/hipcall-sync.json")
struct GrafanaDashboardTests {
    let dashboard: [String: Any]

    init() throws {
        dashboard = try requireMap(Repository.json("ops/grafana/hipcall-sync.json"), "dashboard")
    }

    var panels: [[String: Any]] {
        let top = (dashboard["panels"] as? [[String: Any]]) ?? []
        return top + top.flatMap { ($0["panels"] as? [[String: Any]]) ?? [] }
    }

    var expressions: [String] {
        panels.flatMap { ($0["targets"] as? [[String: Any]] ?? []).compactMap { $0["expr"] as? String } }
    }

    @Test("an importable dashboard: uid, title, data source variable, laid-out panels with queries")
    func shape() throws {
        #expect(try dashboard.string("uid") == "hipcall-sync")
        #expect(try !dashboard.string("title").isEmpty)
        let variables = try dashboard.map("templating").list("list").compactMap { ($0 as? [String: Any])?["name"] as? String }
        #expect(variables.contains("datasource"))
        var ids: Set<Int> = []
        for panel in panels {
            let id = try #require(panel["id"] as? Int)
            #expect(ids.insert(id).inserted, "panel id \(id) twice")
            let gridPos = try panel.map("gridPos")
            #expect(["x", "y", "w", "h"].allSatisfy { gridPos[$0] is Int })
            guard panel["type"] as? String != "row" else { continue }
            let targets = try #require(panel["targets"] as? [[String: Any]], "panel \(id) has targets")
            #expect(!targets.isEmpty)
            for target in targets {
                #expect((target["expr"] as? String)?.isEmpty == false, "panel \(id): query")
                let uid = (target["datasource"] as? [String: Any])?["uid"] as? String
                #expect(uid == "${datasource}", "panel \(id): queries use the data source variable")
            }
        }
    }

    @Test("every hipcall_sync_* metric exists, and every worker metric is on the dashboard")
    func metrics() throws {
        let used = MetricCatalog.workerNames(in: expressions.joined(separator: "\n"))
        let known = try MetricCatalog.workerSeries()
        #expect(used.subtracting(known).isEmpty, "unknown: \(used.subtracting(known).sorted())")
        let metrics = try MetricCatalog.workerMetrics()
        #expect(!metrics.isEmpty, "no metric found in WorkerMetrics.swift: every dashboard check below would pass")
        for (name, type) in metrics {
            let shown = type == "Timer" || type == "Recorder" ? used.contains(name + "_bucket") : used.contains(name)
            #expect(shown, "\(name) is not on the dashboard")
        }
    }

    @Test("RabbitMQ panels use real metrics and the topology's queue names")
    func rabbitMQ() throws {
        let text = expressions.joined(separator: "\n")
        let used = MetricCatalog.rabbitMQNames(in: text)
        #expect(!used.isEmpty)
        #expect(used.subtracting(MetricCatalog.rabbitMQSeries).isEmpty, "\(used.subtracting(MetricCatalog.rabbitMQSeries))")
        let variables = try dashboard.map("templating").list("list").compactMap { $0 as? [String: Any] }
        let prefix = try #require(variables.first { $0["name"] as? String == "queue_prefix" }?["query"] as? String)
        #expect(prefix == SyncTopology().prefix)
        let queues = MetricCatalog.queueNames(in: text.replacingOccurrences(of: "${queue_prefix}", with: prefix))
        let declared = Set(SyncTopology().queues.map(\.name))
        #expect(queues.subtracting(declared).isEmpty, "\(queues.subtracting(declared))")
    }
}
