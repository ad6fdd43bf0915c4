import Common
import Foundation

/// Where a source's output and sidecar go under a configuration.
public struct OutputPlan: Sendable, Equatable {
    public var outputPath: String
    /// `OUTPUT.xmp`, the name digiKam, darktable and Immich look for.
    public var sidecarPath: String { outputPath + ".xmp" }
    public var directory: String { (outputPath as NSString).deletingLastPathComponent }

    /// Sources read but never written (HEIC, AVIF): `same` gives JPEG for them.
    static let readOnlyExtensions = ImageFileTypes.readable.subtracting(ImageFileTypes.writable)

    public init(source: String, configuration c: DaemonConfiguration) {
        let name = (source as NSString).lastPathComponent
        let sourceExtension = (name as NSString).pathExtension
        let ext = switch c.format {
        case .same where Self.readOnlyExtensions.contains(sourceExtension.lowercased()): "jpg"
        case .same: sourceExtension.isEmpty ? "png" : sourceExtension
        case .png: "png"
        case .jpeg: "jpg"
        case .tiff: "tif"
        case .webp: "webp"
        }
        let outputName = c.naming.outputName(sourceName: name, outputExtension: ext)
        let sourceDirectory = (source as NSString).deletingLastPathComponent
        switch c.location {
        case .beside:
            outputPath = sourceDirectory + "/" + outputName
        case .mirror:
            let outbox = c.outbox ?? sourceDirectory
            // The source's folder relative to the root it lies under; outside every root
            // (`enhance-ctl enqueue` of another folder) the output goes to the outbox itself.
            let root = c.roots.first { sourceDirectory == $0 || sourceDirectory.hasPrefix($0 + "/") }
            let relative = root.map { String(sourceDirectory.dropFirst($0.count)) } ?? ""
            outputPath = outbox + relative + "/" + outputName
        }
    }
}
