// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "hipcall-sync",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "hipcall-sync", targets: ["hipcall-sync"]),
        .library(name: "AMQPClient", targets: ["AMQPClient"]),
        .library(name: "Hipcall", targets: ["Hipcall"]),
        .library(name: "HipcallSimulator", targets: ["HipcallSimulator"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
    ],
    targets: [
        .systemLibrary(
            name: "CRabbitMQ",
            pkgConfig: "librabbitmq",
            providers: [.apt(["librabbitmq-dev"])]
        ),
        .target(
            name: "AMQPClient",
            dependencies: [
                "CRabbitMQ",
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(name: "HipcallJSON"),
        .target(
            name: "Hipcall",
            dependencies: [
                "HipcallJSON",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .target(
            name: "HipcallSimulator",
            dependencies: [
                "Hipcall",
                "HipcallJSON",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "hipcall-sync",
            dependencies: [
                "AMQPClient",
                "Hipcall",
                "HipcallJSON",
                "HipcallSimulator",
                "HipcallSync",
                "HipcallSyncOperations",
                "SyntheticLoad",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "amqp-bench",
            dependencies: ["AMQPClient"]
        ),
        // The sync engine: consume, order, apply, journal (folders by concern).
        .target(
            name: "HipcallSync",
            dependencies: [
                "AMQPClient",
                "Hipcall",
                "HipcallJSON",
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Operator tooling over the engine's broker objects: dead letters, topology verification.
        .target(
            name: "HipcallSyncOperations",
            dependencies: ["AMQPClient", "Hipcall", "HipcallJSON", "HipcallSync", .product(name: "Logging", package: "swift-log")]
        ),
        // The synthetic load generator and the convergence check of what it published.
        .target(
            name: "SyntheticLoad",
            dependencies: ["Hipcall", "HipcallJSON", "HipcallSync", "HipcallSyncOperations"]
        ),
        // libFuzzer targets (ops/fuzz builds them with -sanitize=fuzzer and -DFUZZING); built plainly,
        // each replays the inputs it is given, as FuzzRegressionTests replays Tests/FuzzCorpus.
        .systemLibrary(name: "CLibFuzzer", path: "Sources/Fuzz/CLibFuzzer"),
        .target(
            name: "FuzzHarness",
            dependencies: ["AMQPClient", "CLibFuzzer", "CRabbitMQ", "Hipcall", "HipcallJSON", "HipcallSync"],
            path: "Sources/Fuzz/Harness"
        ),
        .executableTarget(name: "FuzzEventDecoder", dependencies: ["FuzzHarness"], path: "Sources/Fuzz/EventDecoder"),
        .executableTarget(name: "FuzzJSON", dependencies: ["FuzzHarness"], path: "Sources/Fuzz/JSON"),
        .executableTarget(name: "FuzzHeaders", dependencies: ["FuzzHarness"], path: "Sources/Fuzz/Headers"),
        .executableTarget(name: "FuzzAMQPURL", dependencies: ["FuzzHarness"], path: "Sources/Fuzz/AMQPURL"),
        // Helpers every test target shares (polling, gates, the test broker, package paths, a scripted
        // HTTP server); a regular target at Tests/TestSupport, as hummingbird keeps HummingbirdTesting.
        .target(
            name: "TestSupport",
            dependencies: [
                "AMQPClient",
                "HipcallJSON",
                "HipcallSimulator",
                "HipcallSync",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Tests/TestSupport"
        ),
        .testTarget(
            name: "FuzzRegressionTests",
            dependencies: ["AMQPClient", "FuzzHarness", "Hipcall", "HipcallJSON", "HipcallSync"]
        ),
        .testTarget(
            name: "HipcallSyncTests",
            dependencies: ["Hipcall", "HipcallJSON", "HipcallSync", "HipcallSyncOperations", "TestSupport"]
        ),
        .testTarget(
            name: "SyntheticLoadTests",
            dependencies: ["HipcallJSON", "HipcallSync", "SyntheticLoad"]
        ),
        .testTarget(
            name: "HipcallSyncCommandTests",
            dependencies: ["hipcall-sync"]
        ),
        .testTarget(
            name: "HipcallSyncIntegrationTests",
            dependencies: [
                "AMQPClient", "Hipcall", "HipcallJSON", "HipcallSimulator", "HipcallSync", "HipcallSyncOperations", "SyntheticLoad",
                "TestSupport",
            ]
        ),
        .testTarget(
            name: "PackagingTests",
            dependencies: [
                "AMQPClient",
                "HipcallSync",
                "TestSupport",
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .testTarget(
            name: "AMQPClientTests",
            dependencies: ["AMQPClient", "TestSupport"]
        ),
        .testTarget(
            name: "HipcallContractTests",
            dependencies: [
                "Hipcall",
                "HipcallJSON",
                "HipcallSimulator",
                "TestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
            ]
        ),
    ]
)
