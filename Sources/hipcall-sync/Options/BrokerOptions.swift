import AMQPClient
import ArgumentParser
import HipcallSync

/// Where the broker is: shared by every command that talks to RabbitMQ.
struct BrokerOptions: ParsableArguments {
    @Option(
        name: .customLong("amqp-url"),
        help: "RabbitMQ URL, amqp:// or amqps://, or several comma-separated (the nodes of a cluster, tried in shuffled order) [$AMQP_URL, default amqp://guest:guest@127.0.0.1:5672/%2F].")
    var amqpURL: String?

    /// The parsed, shuffled broker addresses; a bad entry is named by its position and its wrong part.
    func addresses() throws -> AMQPAddressList {
        let list = EnvironmentDefaults.string(amqpURL, "AMQP_URL", default: "amqp://guest:guest@127.0.0.1:5672/%2F")
        do {
            return try AMQPAddressList(list: list)
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

    @Option(help: ArgumentHelp(
        "Nodes each quorum queue starts on (x-quorum-initial-group-size), fixed when a queue is made [$INITIAL_GROUP_SIZE, default: the broker's, 3 capped at the cluster's nodes].",
        valueName: "nodes"))
    var initialGroupSize: Int?

    /// The topology from the flags and variables, every name and step checked.
    func resolved() throws -> SyncTopology {
        var topology = SyncTopology(
            eventsExchange: try EnvironmentDefaults.name(eventsExchange, Self.eventsExchangeSetting, default: SyncTopology.defaultEventsExchange),
            // Room for the longest derived name, `<prefix>.p999.retry.86400000ms`, within AMQP's 255 bytes.
            prefix: try EnvironmentDefaults.name(queuePrefix, Self.queuePrefixSetting, default: SyncTopology.defaultPrefix, maxBytes: 200),
            syncedExchange: try EnvironmentDefaults.name(syncedExchange, Self.syncedExchangeSetting, default: SyncTopology.defaultSyncedExchange),
            retryDelays: try EnvironmentDefaults.checked {
                // A TTL queue per step: at least a millisecond (the TTL's unit), at most a day.
                try SettingParser.durations(
                    retrySteps ?? EnvironmentDefaults.variableText(Self.retryStepsSetting) ?? "1s,5s,30s,2m", Self.retryStepsSetting,
                    each: .milliseconds(1) ... .seconds(86_400), count: 1...20)
            })
        topology.partitions = try EnvironmentDefaults.int(partitions, Self.partitionsSetting, default: 0, in: 0...1000)
        if initialGroupSize != nil || EnvironmentDefaults.variableText(Self.initialGroupSizeSetting) != nil {
            topology.initialGroupSize = try EnvironmentDefaults.int(initialGroupSize, Self.initialGroupSizeSetting, default: 3, in: 1...99)
        }
        return topology
    }

    static let eventsExchangeSetting = SettingName(flag: "--events-exchange", variable: "EVENTS_EXCHANGE")
    static let queuePrefixSetting = SettingName(flag: "--queue-prefix", variable: "QUEUE_PREFIX")
    static let syncedExchangeSetting = SettingName(flag: "--synced-exchange", variable: "SYNCED_EXCHANGE")
    static let retryStepsSetting = SettingName(flag: "--retry-steps", variable: "RETRY_STEPS")
    static let partitionsSetting = SettingName(flag: "--partitions", variable: "PARTITIONS")
    static let initialGroupSizeSetting = SettingName(flag: "--initial-group-size", variable: "INITIAL_GROUP_SIZE")
}
