// swift-tools-version: 6.0
import Foundation
import PackageDescription

// Flags for the engine's own loops (activations, Adam, broadcasting):
// - sqrt without errno: otherwise Swift's squareRoot() lowers to a libm call on Linux
//   and no loop containing it vectorises;
// - AVX2 and FMA where this machine's CPU has them. cdsa is always built from source on
//   the machine that runs it (scripts/setup), so this is -march=native, checked.
let cpuFlags = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?
    .split(separator: "\n").first { $0.hasPrefix("flags") }?.split(separator: " ").map(String.init) ?? []
let engineSettings: [SwiftSetting] = [.unsafeFlags(["-Xcc", "-fno-math-errno"])]
    + (cpuFlags.contains("avx2") && cpuFlags.contains("fma") ? [.unsafeFlags(["-target-cpu", "haswell"])] : [])

let package = Package(
    name: "cdsa",
    products: [
        .executable(name: "cdsa", targets: ["cdsa"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // Debian system libraries, each behind a module map and a one-line shim.
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CMuJoCo", providers: [.apt(["libmujoco-dev"])]),
        .systemLibrary(name: "CHDF5", pkgConfig: "hdf5", providers: [.apt(["libhdf5-dev"])]),
        .systemLibrary(name: "CReadline", pkgConfig: "readline", providers: [.apt(["libreadline-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),

        .target(name: "Autodiff", dependencies: ["COpenBLAS"], swiftSettings: engineSettings),
        .target(name: "NeuralNet", dependencies: ["Autodiff"], swiftSettings: engineSettings),
        .target(name: "Simulation", dependencies: ["Autodiff", "CMuJoCo"], resources: [.copy("Assets")],
                swiftSettings: engineSettings),
        .target(name: "OfflineRL", dependencies: ["Autodiff", "NeuralNet", "Simulation", "CHDF5", "CZlib"],
                swiftSettings: engineSettings),
        // Result files: CSV and JSON (written atomically with NeuralNet's writer).
        .target(name: "Reports", dependencies: ["NeuralNet"]),
        // CDSA itself: score models, inverse dynamics, correctors (Policies), comparisons.
        .target(name: "Correctors", dependencies: ["Autodiff", "NeuralNet", "Simulation", "OfflineRL", "Reports"],
                swiftSettings: engineSettings),
        // The language core has no numeric dependency: the engine reaches it through Bindings.
        .target(name: "Language"),
        // One registration table per engine library, binding it to the language.
        .target(name: "Bindings", dependencies: ["Language", "Autodiff", "NeuralNet", "OfflineRL", "Simulation", "Reports", "Correctors"]),
        .target(name: "Driver", dependencies: [
            "Language", "Bindings", "CReadline",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "cdsa", dependencies: ["Driver"]),
        .executableTarget(name: "cdsa-bench", dependencies: ["Autodiff", "NeuralNet", "Simulation", "OfflineRL", "Correctors", "Language", "Bindings", "COpenBLAS"],
                          path: "Sources/Bench",
                          // A top-level benchmark script; strict concurrency buys nothing here.
                          swiftSettings: [.swiftLanguageMode(.v5)]),

        .testTarget(name: "AutodiffTests", dependencies: ["Autodiff"]),
        .testTarget(name: "NeuralNetTests", dependencies: ["NeuralNet"], resources: [.copy("Fixtures")]),
        .testTarget(name: "SimulationTests", dependencies: ["Simulation", "OfflineRL"], exclude: ["Fixtures"]),
        .testTarget(name: "OfflineRLTests", dependencies: ["OfflineRL"], resources: [.copy("Fixtures")]),
        .testTarget(name: "ReportsTests", dependencies: ["Reports"]),
        .testTarget(name: "CorrectorsTests", dependencies: ["Correctors"]),
        // The golden-script runner both language test targets share.
        .target(name: "GoldenSupport", dependencies: ["Language"], path: "Tests/GoldenSupport"),
        .testTarget(name: "LanguageTests", dependencies: ["Language", "GoldenSupport"], resources: [.copy("Goldens")]),
        .testTarget(name: "BindingsTests", dependencies: ["Bindings", "GoldenSupport"], resources: [.copy("Goldens")]),
        .testTarget(name: "DriverTests", dependencies: ["Driver"]),
    ]
)
