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
        .executableTarget(
            name: "qrun",
            dependencies: [
                "QRunCore",
                "QRunActions",
                "QRunPlugins",
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
            dependencies: ["QRunCore"],
            path: "Tests/QRunTestSupport"
        ),
        .testTarget(name: "QRunCoreTests", dependencies: ["QRunCore", "QRunTestSupport"]),
        .testTarget(name: "QRunActionsTests", dependencies: ["QRunActions", "QRunCore", "QRunTestSupport"]),
        .testTarget(name: "QRunCLITests", dependencies: ["QRunCore", "QRunTestSupport"]),
        .testTarget(
            name: "QRunPluginsTests",
            dependencies: ["QRunPlugins", "QRunPluginWire", "QRunActions", "QRunCore", "QRunTestSupport", .product(name: "Crypto", package: "swift-crypto")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
