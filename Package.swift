// swift-tools-version: 6.0
import PackageDescription

// Release builds of the engine are what the benchmarks and the numeric tests measure;
// -Ounchecked is not used: bounds are checked at the API, kernels use unsafe pointers.
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

        .target(name: "Autodiff", dependencies: ["COpenBLAS"]),
        .target(name: "NeuralNet", dependencies: ["Autodiff"]),
        .target(name: "Driver", dependencies: [
            "Autodiff", "NeuralNet", "CMuJoCo", "CHDF5", "CReadline",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "cdsa", dependencies: ["Driver"]),
        .executableTarget(name: "cdsa-bench", dependencies: ["Autodiff", "NeuralNet", "COpenBLAS"],
                          path: "Sources/Bench"),

        .testTarget(name: "AutodiffTests", dependencies: ["Autodiff"]),
        .testTarget(name: "NeuralNetTests", dependencies: ["NeuralNet"], resources: [.copy("Fixtures")]),
        .testTarget(name: "DriverTests", dependencies: ["Driver"]),
    ]
)
