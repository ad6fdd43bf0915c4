/// Issue 9's acceptance, read back with exiftool: what a digiKam-tagged source said must still be
/// said by its ×4 output and by the output's sidecar. Returns what is wrong, one line each, so a
/// test can `#expect(list.isEmpty, …)` with every discrepancy in view.
import Foundation

public enum ArchiveMetadata {
    /// Tags that must come through unchanged, in the image and in the sidecar.
    static let carriedXMP = ["XMP-dc:Subject", "XMP-dc:Title", "XMP-dc:Description", "XMP-xmp:Rating",
                             "XMP-xmp:CreateDate", "XMP-digiKam:TagsList", "XMP-lr:HierarchicalSubject"]
    /// Only an image holds these (a sidecar has no EXIF, ICC or IPTC).
    static let carriedInImage = ["ExifIFD:DateTimeOriginal", "GPS:GPSLatitude", "GPS:GPSLongitude",
                                 "ICC_Profile:ProfileDescription"]
    static let iptc = ["IPTC:Keywords", "IPTC:Caption-Abstract"]

    /// - Parameters:
    ///   - source, output: `ExifTool.tags` of the two files; `isSidecar` when `output` is the
    ///     `.xmp` sidecar.
    ///   - sourcePath: the path DerivedFrom must name.
    ///   - scale: the output's size over the source's.
    ///   - imageHoldsIPTC: the output format has a home for IPTC (JPEG).
    public static func discrepancies(source: [String: Any], output: [String: Any], isSidecar: Bool,
                                     sourcePath: String, scale: Int = 4, imageHoldsIPTC: Bool) -> [String] {
        var wrong: [String] = []
        func expect(_ condition: Bool, _ message: @autoclosure () -> String) { if !condition { wrong.append(message()) } }
        func same(_ key: String) {
            expect(source[key] != nil, "the source lacks \(key): the fixture is not what the test thinks")
            expect(canonical(output[key]) == canonical(source[key]),
                   "\(key): \(canonical(output[key])) instead of the source's \(canonical(source[key]))")
        }
        carriedXMP.forEach(same)
        if !isSidecar {
            carriedInImage.forEach(same)
            if imageHoldsIPTC { iptc.forEach(same) }
        }
        // Sizes, in XMP and (image only) EXIF.
        var sizes = [("XMP-tiff:ImageWidth", "XMP-tiff:ImageHeight"), ("XMP-exif:ExifImageWidth", "XMP-exif:ExifImageHeight")]
        if !isSidecar { sizes.append(("ExifIFD:ExifImageWidth", "ExifIFD:ExifImageHeight")) }
        for (width, height) in sizes {
            for key in [width, height] {
                let before = (source[key] as? NSNumber)?.intValue ?? -1
                let after = (output[key] as? NSNumber)?.intValue ?? -1
                expect(before > 0 && after == before * scale, "\(key): \(after), expected \(before) × \(scale)")
            }
        }
        // Ids: the output is a new document derived from the source.
        let sourceDocument = source["XMP-xmpMM:DocumentID"] as? String
        let sourceInstance = source["XMP-xmpMM:InstanceID"] as? String
        let document = output["XMP-xmpMM:DocumentID"] as? String
        expect(document?.hasPrefix("xmp.did:") == true && document != sourceDocument, "DocumentID \(document ?? "missing") is not new")
        expect(output["XMP-xmpMM:InstanceID"] as? String != sourceInstance, "InstanceID is the source's")
        expect(output["XMP-xmpMM:OriginalDocumentID"] as? String == sourceDocument,
               "OriginalDocumentID \(canonical(output["XMP-xmpMM:OriginalDocumentID"])) is not the source's DocumentID")
        let derived = output["XMP-xmpMM:DerivedFrom"] as? [String: Any]
        expect(derived?["DocumentID"] as? String == sourceDocument && derived?["InstanceID"] as? String == sourceInstance,
               "DerivedFrom \(canonical(derived)) lacks the source's ids")
        expect(derived?["FilePath"] as? String == sourcePath, "DerivedFrom names \(canonical(derived?["FilePath"])), not \(sourcePath)")
        // History: the source's events, then exactly one `converted`.
        let before = source["XMP-xmpMM:History"] as? [Any] ?? []
        let after = output["XMP-xmpMM:History"] as? [Any] ?? []
        expect(!before.isEmpty, "the source has no History event")
        expect(after.count == before.count + 1 && canonical(Array(after.prefix(before.count))) == canonical(before),
               "History \(canonical(after)) is not the source's \(canonical(before)) plus one event")
        let converted = after.filter { ($0 as? [String: Any])?["Action"] as? String == "converted" }
        expect(converted.count == 1, "\(converted.count) converted events")
        if let event = converted.first as? [String: Any] {
            expect(event["When"] != nil && event["SoftwareAgent"] != nil && (event["Parameters"] as? String)?.contains("scale 4") == true,
                   "the converted event lacks when, agent or parameters: \(canonical(event))")
        }
        expect(output["XMP-xmp:MetadataDate"] != nil, "no MetadataDate")
        return wrong
    }

    /// A value as sorted JSON, so that nested arrays and structures compare as text.
    public static func canonical(_ value: Any?) -> String {
        guard let value else { return "nil" }
        guard let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed]) else {
            return "\(value)"
        }
        return String(decoding: data, as: UTF8.self)
    }
}
