// swift-tools-version:6.0
// A libFuzzer harness for enhance's decode path, kept out of the main package so its sanitizer
// flags never reach a normal build. Imaging, Storage, Metadata and the C targets are the main
// package's own sources, linked in here (symlinks) so that they are compiled with coverage and
// AddressSanitizer too.
import PackageDescription

let package = Package(
    name: "enhance-fuzz",
    targets: [
        .target(
            name: "CImageCodecs",
            path: "Sources/CImageCodecs",
            linkerSettings: [.linkedLibrary("png16"), .linkedLibrary("jpeg"), .linkedLibrary("tiff"),
                             .linkedLibrary("webp"), .linkedLibrary("webpmux"), .linkedLibrary("webpdemux"),
                             .linkedLibrary("heif"), .linkedLibrary("z")]
        ),
        .target(name: "Common", path: "Sources/Common"),
        .target(name: "Storage", path: "Sources/Storage"),
        .target(name: "Imaging", dependencies: ["CImageCodecs", "Common", "Storage"], path: "Sources/Imaging"),
        .systemLibrary(name: "CLibXML2", path: "Sources/CLibXML2", pkgConfig: "libxml-2.0"),
        .target(name: "CXML", dependencies: ["CLibXML2"], path: "Sources/CXML"),
        .target(name: "Metadata", dependencies: ["CXML"], path: "Sources/Metadata"),
        .target(name: "CFuzzDriver"),
        .executableTarget(name: "DecodeFuzzer", dependencies: ["Imaging", "Metadata", "CFuzzDriver"]),
    ],
    swiftLanguageModes: [.v6]
)
