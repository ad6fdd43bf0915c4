// swift-tools-version:6.0
// enhance: SRGAN ×4 photo enhancement on CPU (oneDNN), as a watch-folder daemon and a CLI.
import PackageDescription

let package = Package(
    name: "enhance",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "enhance-ctl", targets: ["enhance-ctl"]),
        .executable(name: "enhanced", targets: ["enhanced"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // The C world, entered in exactly one place per library.
        .systemLibrary(name: "CDNNL", path: "Sources/CDNNL"),
        .systemLibrary(name: "CHDF5", path: "Sources/CHDF5", pkgConfig: "hdf5"),
        .target(
            name: "CImageCodecs",
            path: "Sources/CImageCodecs",
            linkerSettings: [.linkedLibrary("png16"), .linkedLibrary("jpeg")]
        ),

        // Libraries, one concern each.
        .target(name: "Neural", dependencies: ["CDNNL"]),
        .target(name: "Imaging", dependencies: ["CImageCodecs"]),
        .target(name: "ModelFormats", dependencies: ["CHDF5"]),
        .target(name: "SRGAN", dependencies: ["Neural", "ModelFormats"]),
        .target(name: "Upscaling", dependencies: ["SRGAN", "Imaging"]),
        .target(name: "Training", dependencies: ["SRGAN", "Neural", "ModelFormats", "Imaging"]),

        // The daemon: a SQLite job queue (the only SQL), inotify watching, its configuration.
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite"),
        .target(name: "JobQueue", dependencies: ["CSQLite"]),
        .target(name: "Configuration"),
        .target(name: "FolderWatch"),
        .target(name: "Daemon", dependencies: ["Configuration", "JobQueue", "FolderWatch", "Upscaling", "SRGAN",
                                               "Imaging", "ModelFormats"]),

        // What a person types.
        .executableTarget(
            name: "enhance-ctl",
            dependencies: [
                "Upscaling", "SRGAN", "ModelFormats", "Imaging", "Neural",
                "Training",
                "JobQueue", "Configuration", "FolderWatch",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        .executableTarget(
            name: "enhanced",
            dependencies: ["Daemon", "Configuration", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),

        // Shared by the test targets: naive layer definitions, fixture and binary locations.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "NeuralTests", dependencies: ["Neural", "TestSupport"]),
        .testTarget(name: "ImagingTests", dependencies: ["Imaging"], resources: [.copy("Fixtures")]),
        .testTarget(name: "ModelFormatsTests", dependencies: ["ModelFormats"]),
        .testTarget(name: "SRGANTests", dependencies: ["SRGAN", "Neural", "ModelFormats", "Imaging", "TestSupport"],
                    exclude: ["Fixtures"]),
        .testTarget(name: "UpscalingTests", dependencies: ["Upscaling", "SRGAN", "Imaging", "TestSupport"],
                    exclude: ["Fixtures"]),
        .testTarget(name: "EndToEndTests", dependencies: ["Imaging", "TestSupport"]),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "SRGAN", "Neural", "ModelFormats", "TestSupport"]),
        .testTarget(name: "JobQueueTests", dependencies: ["JobQueue", "TestSupport"]),
        .testTarget(name: "ConfigurationTests", dependencies: ["Configuration", "Upscaling", "TestSupport"]),
        .testTarget(name: "FolderWatchTests", dependencies: ["FolderWatch", "TestSupport"]),
        .testTarget(name: "DaemonTests", dependencies: ["Daemon", "Configuration", "JobQueue", "Imaging", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
