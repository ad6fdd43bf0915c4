import Foundation

/// How an output was made, recorded into its XMP packet in Adobe's xmpMM vocabulary so that
/// digiKam, darktable and Immich understand it. One type for the daemon and `enhance-ctl
/// upscale`, so both describe an output the same way.
public struct Provenance: Sendable, Equatable {
    public var sourcePath: String
    public var sourceSHA256: String
    /// The output's own ids, fresh for every output.
    public var documentID: String
    public var instanceID: String
    public var when: Date
    public var softwareAgent: String
    public var modelName: String
    public var modelSHA256: String
    public var scale: Int
    public var tile: Int
    public var overlap: Int
    /// The network saw the image whole (streamed in rows, or one tile): `tile` and `overlap`
    /// did not shape the result and are not recorded.
    public var wholeImage = false
    /// Set when the network's ×`scale` result was resampled to another size (`[output] scale`,
    /// `max_side`, `max_pixels`): the final factor and size.
    public var resampled: Resampling?
    /// What the input had suffered (Imaging's `InputEstimate`): the quality an IJG-scaled JPEG
    /// was saved at, and the noise σ on the 0…255 scale. Nil when unknown.
    public var inputJPEGQuality: Int?
    public var inputNoiseSigma: Double?
    /// The input JPEG was deblocked with its own quantization tables before the network.
    public var deblocked = false

    /// The size an output was resampled to after the network, and the factor that makes it.
    public struct Resampling: Sendable, Equatable {
        public var width: Int
        public var height: Int
        public var factor: Double
        public init(width: Int, height: Int, factor: Double) {
            self.width = width
            self.height = height
            self.factor = factor
        }
    }

    public init(sourcePath: String, sourceSHA256: String, when: Date = Date(), softwareAgent: String,
                modelName: String, modelSHA256: String, scale: Int, tile: Int, overlap: Int) {
        self.sourcePath = sourcePath
        self.sourceSHA256 = sourceSHA256
        self.documentID = "xmp.did:" + UUID().uuidString.lowercased()
        self.instanceID = "xmp.iid:" + UUID().uuidString.lowercased()
        self.when = when
        self.softwareAgent = softwareAgent
        self.modelName = modelName
        self.modelSHA256 = modelSHA256
        self.scale = scale
        self.tile = tile
        self.overlap = overlap
    }

    /// The History event's `stEvt:parameters`.
    public var parameters: String {
        "model \(modelName) (sha256 \(modelSHA256)); scale \(scale); "
            + (wholeImage ? "whole image" : "tile \(tile); overlap \(overlap)")
            + (resampled.map {
                "; resampled to \(String(format: "%.4g", $0.factor))× (\($0.width)×\($0.height), Lanczos-3)"
            } ?? "")
            + (deblocked ? "; deblocked within the input's JPEG quantization tables" : "")
            + inputDescription
    }

    /// "; input JPEG quality 75; noise σ 2.1", or as much of it as is known.
    private var inputDescription: String {
        let known = [inputJPEGQuality.map { "JPEG quality \($0)" },
                     inputNoiseSigma.map { "noise σ " + String(format: "%.1f", $0) }].compactMap { $0 }
        return known.isEmpty ? "" : "; input " + known.joined(separator: "; ")
    }

    /// Records this conversion in `packet`, whose ids are still the source's: new DocumentID and
    /// InstanceID, OriginalDocumentID kept (or the source's DocumentID when it had none),
    /// DerivedFrom naming the source by its ids, path and sha256, one `converted` event appended
    /// to the History, and MetadataDate. `xmp:CreateDate` is the photo's and stays untouched.
    public func record(into packet: XMPPacket) {
        let mm = { XMPNamespace.name(XMPNamespace.xmpMM, $0) }
        let ref = { XMPNamespace.name(XMPNamespace.stRef, $0) }
        let event = { XMPNamespace.name(XMPNamespace.stEvt, $0) }
        let sourceDocument = packet.value(mm("DocumentID")).flatMap { $0.isEmpty ? nil : $0 }
        let sourceInstance = packet.value(mm("InstanceID")).flatMap { $0.isEmpty ? nil : $0 }
        if packet.value(mm("OriginalDocumentID")) == nil, let sourceDocument {
            packet.setValue(mm("OriginalDocumentID"), sourceDocument)
        }
        packet.setValue(mm("DocumentID"), documentID)
        packet.setValue(mm("InstanceID"), instanceID)
        var source: [(QualifiedName, String)] = []
        if let sourceDocument { source.append((ref("documentID"), sourceDocument)) }
        if let sourceInstance { source.append((ref("instanceID"), sourceInstance)) }
        source.append((ref("filePath"), sourcePath))
        source.append((XMPNamespace.name(XMPNamespace.enhance, "sha256"), sourceSHA256))
        packet.setStructure(mm("DerivedFrom"), fields: source)
        let time = Self.iso8601(when)
        packet.appendStructure(mm("History"), container: .seq, fields: [
            (event("action"), "converted"), (event("instanceID"), instanceID), (event("when"), time),
            (event("softwareAgent"), softwareAgent), (event("parameters"), parameters),
        ])
        packet.setValue(XMPNamespace.name(XMPNamespace.xmp, "MetadataDate"), time)
    }

    static func iso8601(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }
}
