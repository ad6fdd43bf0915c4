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
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // The C world, entered in exactly one place per library.
        .systemLibrary(name: "CDNNL", path: "Sources/CDNNL"),
        .systemLibrary(name: "CHDF5", path: "Sources/CHDF5", pkgConfig: "hdf5"),
        .systemLibrary(name: "CLibXML2", path: "Sources/CLibXML2", pkgConfig: "libxml-2.0"),
        .target(name: "CXML", dependencies: ["CLibXML2"], path: "Sources/CXML"),
        .target(
            name: "CImageCodecs",
            path: "Sources/CImageCodecs",
            linkerSettings: [.linkedLibrary("png16"), .linkedLibrary("jpeg"), .linkedLibrary("tiff"),
                             .linkedLibrary("webp"), .linkedLibrary("webpmux"), .linkedLibrary("webpdemux"),
                             .linkedLibrary("heif"), .linkedLibrary("z")]
        ),

        // Facts more than one module states (version, shared defaults, the lock file's format).
        .target(name: "Common"),

        // Libraries, one concern each.
        .target(name: "Hashing", dependencies: [.product(name: "Crypto", package: "swift-crypto")]),
        .target(name: "Neural", dependencies: ["CDNNL"]),
        .target(name: "Storage"),
        .target(name: "Imaging", dependencies: ["CImageCodecs", "Common", "Storage"]),
        // XMP parse/merge/write and IPTC mapping: what an output says about itself and its source.
        .target(name: "Metadata", dependencies: ["CXML"]),
        .target(name: "ModelFormats", dependencies: ["CHDF5", "Hashing", "Storage"]),
        // Inference only; the training graphs are in Training, which the daemon does not link.
        .target(name: "SRGAN", dependencies: ["Common", "Neural", "ModelFormats"]),
        .target(name: "Upscaling", dependencies: ["Common", "SRGAN", "Imaging", "Storage", "Metadata", "Hashing"]),
        // Synthetic real-photo inputs (blur, resize, noise, JPEG in memory) for training and evaluation.
        .target(name: "Degradation", dependencies: ["Imaging"]),
        .target(name: "Training", dependencies: ["SRGAN", "Neural", "ModelFormats", "Imaging", "Hashing", "Degradation"]),

        // The daemon: the job queue (the only SQL: SQLite on one host, PostgreSQL for several),
        // inotify watching, its configuration.
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite"),
        .systemLibrary(name: "CLibPQ", path: "Sources/CLibPQ", pkgConfig: "libpq"),
        .target(name: "JobQueue", dependencies: ["CSQLite", "CLibPQ"]),
        // Depends on JobQueue for one thing: opening the queue the configuration names.
        .target(name: "Configuration", dependencies: ["Common", "JobQueue"]),
        .target(name: "FolderWatch", dependencies: ["Common", "Storage"]),
        // A path becomes a job in one place, for the daemon and `enhance-ctl enqueue` alike.
        .target(name: "Intake", dependencies: ["Common", "JobQueue", "FolderWatch", "Hashing"]),
        .target(name: "Daemon", dependencies: ["Common", "Configuration", "JobQueue", "FolderWatch", "Intake",
                                               "Upscaling", "SRGAN", "Imaging", "Hashing", "Storage", "Metadata",
                                               .product(name: "Prometheus", package: "swift-prometheus")]),

        // What a person types.
        .executableTarget(
            name: "enhance-ctl",
            dependencies: [
                "Upscaling", "SRGAN", "ModelFormats", "Imaging", "Neural", "Hashing", "Metadata",
                "Training", "Degradation",   // fine-tune, evaluate and bench train only; the daemon never links them
                "Storage", "JobQueue", "Configuration", "FolderWatch", "Intake", "Common",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        .executableTarget(
            name: "enhanced",
            dependencies: ["Daemon", "Configuration", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),

        // Shared by the test targets: naive layer definitions, fixture and binary locations.
        .target(name: "TestSupport", dependencies: ["Imaging"], path: "Tests/TestSupport"),
        .testTarget(name: "NeuralTests", dependencies: ["Neural", "TestSupport"]),
        .testTarget(name: "ImagingTests", dependencies: ["Imaging", "Storage", "Common", "TestSupport"],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "MetadataTests", dependencies: ["Metadata", "Imaging", "TestSupport"]),
        .testTarget(name: "HashingTests", dependencies: ["Hashing", "TestSupport"]),
        .testTarget(name: "ModelFormatsTests", dependencies: ["ModelFormats", "Hashing"]),
        .testTarget(name: "StorageTests", dependencies: ["Storage", "Imaging"]),
        .testTarget(name: "SRGANTests", dependencies: ["SRGAN", "Neural", "ModelFormats", "Imaging", "TestSupport"],
                    exclude: ["Fixtures"]),
        .testTarget(name: "UpscalingTests", dependencies: ["Upscaling", "SRGAN", "Imaging", "Storage", "Metadata", "TestSupport"],
                    exclude: ["Fixtures"]),
        .testTarget(name: "EndToEndTests", dependencies: ["Imaging", "Hashing", "TestSupport"]),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "SRGAN", "Neural", "ModelFormats", "Hashing",
                                                         "Degradation", "Imaging", "TestSupport"]),
        .testTarget(name: "DegradationTests", dependencies: ["Degradation", "Imaging", "TestSupport"]),
        .testTarget(name: "JobQueueTests", dependencies: ["JobQueue", "TestSupport"]),
        .testTarget(name: "ConfigurationTests", dependencies: ["Common", "Configuration", "Upscaling", "TestSupport"]),
        .testTarget(name: "FolderWatchTests", dependencies: ["FolderWatch", "TestSupport"]),
        .testTarget(name: "DaemonTests", dependencies: ["Daemon", "Configuration", "JobQueue", "Imaging", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
