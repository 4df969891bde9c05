import AMQPClient
import ArgumentParser
import HipcallSync

/// Where the broker is: shared by every command that talks to RabbitMQ.
struct BrokerOptions: ParsableArguments {
    @Option(name: .customLong("amqp-url"), help: "RabbitMQ URL, amqp:// or amqps:// [$AMQP_URL, default amqp://guest:guest@127.0.0.1:5672/%2F].")
    var amqpURL: String?

    /// The parsed URL; a bad one names its wrong part.
    func configuration() throws -> AMQPConfiguration {
        let url = EnvironmentDefaults.string(amqpURL, "AMQP_URL", default: "amqp://guest:guest@127.0.0.1:5672/%2F")
        do {
            return try AMQPConfiguration(url: url)
        } catch {
            throw ValidationError("--amqp-url / AMQP_URL: \(error.message)")
        }
    }
}

/// The broker object names and retry steps, shared by the worker, publisher and operator tools.
struct TopologyOptions: ParsableArguments {
    @Option(help: "Exchange the CRM publishes events to [$EVENTS_EXCHANGE, default crm.events].")
    var eventsExchange: String?

    @Option(help: "Prefix of the work, retry and dead-letter queues [$QUEUE_PREFIX, default hipcall-sync].")
    var queuePrefix: String?

    @Option(help: "Exchange for company.synced / contact.synced notices [$SYNCED_EXCHANGE, default crm.synced].")
    var syncedExchange: String?

    @Option(help: "Retry delays, comma-separated [$RETRY_STEPS, default 1s,5s,30s,2m].")
    var retrySteps: String?

    @Option(help: "Partition queues, keyed by x-hipcall-key, one active worker each; 0 is the shared work queue [$PARTITIONS, default 0].")
    var partitions: Int?

    func resolved() throws -> SyncTopology {
        var topology = SyncTopology(
            eventsExchange: EnvironmentDefaults.string(eventsExchange, "EVENTS_EXCHANGE", default: "crm.events"),
            prefix: EnvironmentDefaults.string(queuePrefix, "QUEUE_PREFIX", default: "hipcall-sync"),
            syncedExchange: EnvironmentDefaults.string(syncedExchange, "SYNCED_EXCHANGE", default: "crm.synced"),
            retryDelays: try EnvironmentDefaults.durations(
                EnvironmentDefaults.string(retrySteps, "RETRY_STEPS", default: "1s,5s,30s,2m"), name: "--retry-steps"))
        topology.partitions = try EnvironmentDefaults.int(partitions, "PARTITIONS", default: 0)
        guard (0...1000).contains(topology.partitions) else { throw ValidationError("--partitions must be between 0 and 1000") }
        return topology
    }
}
