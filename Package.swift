// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "qrun",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "qrun", targets: ["qrun"]),
        .executable(name: "qrun-bench", targets: ["QRunBench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // The JSON-shaped `Value`, free of dependencies so that the plugin wire types can use it.
        .target(name: "QRunValue"),
        .target(
            name: "QRunCore",
            dependencies: [
                "QRunValue",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "QRunActions",
            dependencies: ["QRunCore", "CCurl", .product(name: "Crypto", package: "swift-crypto")]
        ),
        // libcurl's SMTP client (STARTTLS, AUTH) for notify.email, behind a small C shim because
        // curl_easy_setopt is variadic. Debian: libcurl4-openssl-dev.
        .target(name: "CCurl", path: "Sources/CCurl", linkerSettings: [.linkedLibrary("curl")]),
        // Out-of-process plugins: the wire types (only `Value`, itself dependency-free) and the host.
        .target(name: "QRunPluginWire", dependencies: ["QRunValue"]),
        .target(
            name: "QRunPlugins",
            dependencies: ["QRunCore", "QRunActions", "QRunPluginWire", .product(name: "Yams", package: "Yams")]
        ),
        // The wiring (workspace, config, registry, secrets, store) and the one way to start a run,
        // used alike by the CLI and by every trigger.
        .target(
            name: "QRunRuntime",
            dependencies: ["QRunCore", "QRunActions", "QRunPlugins"]
        ),
        // `qrun serve`: alert intake, API, metrics, the run dispatcher, one ServiceLifecycle group.
        .target(
            name: "QRunServer",
            dependencies: [
                "QRunRuntime",
                "QRunCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .executableTarget(
            name: "qrun",
            dependencies: [
                "QRunCore",
                "QRunActions",
                "QRunPlugins",
                "QRunRuntime",
                "QRunServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            plugins: ["SourceCommit"]
        ),
        .plugin(name: "SourceCommit", capability: .buildTool(), path: "BuildPlugins/SourceCommit"),
        .executableTarget(
            name: "QRunBench",
            dependencies: ["QRunActions", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        .target(
            name: "QRunTestSupport",
            dependencies: ["QRunCore", .product(name: "Crypto", package: "swift-crypto")],
            path: "Tests/QRunTestSupport"
        ),
        .testTarget(name: "QRunCoreTests", dependencies: ["QRunCore", "QRunTestSupport"]),
        .testTarget(name: "QRunActionsTests", dependencies: ["QRunActions", "QRunCore", "QRunTestSupport"]),
        .testTarget(name: "QRunCLITests", dependencies: ["QRunCore", "QRunTestSupport"]),
        .testTarget(
            name: "QRunServerTests",
            dependencies: ["QRunServer", "QRunRuntime", "QRunCore", "QRunActions", "QRunTestSupport"]
        ),
        .testTarget(
            name: "QRunPluginsTests",
            dependencies: ["QRunPlugins", "QRunPluginWire", "QRunActions", "QRunCore", "QRunTestSupport", .product(name: "Crypto", package: "swift-crypto")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
