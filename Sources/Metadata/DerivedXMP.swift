/// Metadata: what an output says about itself and its source. XMP packets parsed (libxml2,
/// through CXML) into a tree that is edited in place and written back, so nothing the module
/// does not understand is lost; IPTC-IIM read to fill XMP gaps; and the provenance record the
/// daemon and `enhance-ctl upscale` share. Raw bytes in, raw bytes out: the codecs carry them.

/// The XMP of an output, from its source's: the one merge the daemon and `enhance-ctl upscale`
/// share (issue 9). The source's packet is edited, never replaced: every namespace stays; sizes
/// and orientation describe the output; IPTC fields the XMP lacks are added; the provenance
/// (when given) is recorded. The sidecar gets the very same packet.
public struct DerivedXMP: Sendable {
    /// For the image itself; nil when there is nothing to embed.
    public var embedded: [UInt8]?
    /// For `OUTPUT.xmp`; the embedded packet, except for a source packet that does not parse
    /// (carried unchanged in the image, so the provenance can only live here).
    public var sidecar: [UInt8]?
    /// What was not carried as asked, one line each naming the source; for the log and the job.
    public var warnings: [String]

    /// - Parameters:
    ///   - xmp: the source's packet (orientation already set upright by Imaging).
    ///   - iptc: the source's IPTC-IIM datasets, mapped into the packet where it lacks them.
    ///   - sourcePath: named in warnings.
    ///   - width, height: the output's pixel size.
    ///   - provenance: nil for `upscale --no-provenance`: the source's packet is still carried,
    ///     with its sizes updated.
    ///   - toolkit: `x:xmptk` of a packet made from nothing.
    ///   - outputHoldsIPTC: the output format carries the IPTC block itself (JPEG); otherwise
    ///     the datasets XMP has no home for are named in a warning.
    public init(xmp: [UInt8]?, iptc: [UInt8]?, sourcePath: String, width: Int, height: Int,
                provenance: Provenance?, toolkit: String, outputHoldsIPTC: Bool = true) {
        warnings = []
        var fields: IPTCRecord?
        if let iptc {
            do {
                fields = try IPTCRecord(parsing: iptc)
                if !outputHoldsIPTC, let lost = fields?.unmapped, !lost.isEmpty {
                    warnings.append("\(sourcePath): IPTC datasets \(lost.joined(separator: ", ")) have no place in this output format and no XMP equivalent; they are not carried")
                }
            } catch {
                warnings.append("\(sourcePath): its IPTC data does not parse (\(error)); it is carried unchanged where the output format has a place for it, and not copied into XMP")
            }
        }
        func derive(_ packet: XMPPacket) -> [UInt8] {
            let tiff = { XMPNamespace.name(XMPNamespace.tiff, $0) }
            let exif = { XMPNamespace.name(XMPNamespace.exif, $0) }
            packet.updateValue(tiff("ImageWidth"), "\(width)")
            packet.updateValue(tiff("ImageLength"), "\(height)")
            packet.updateValue(exif("PixelXDimension"), "\(width)")
            packet.updateValue(exif("PixelYDimension"), "\(height)")
            // The pixels are stored upright, so a packet saying otherwise would turn them again.
            packet.updateValue(tiff("Orientation"), "1")
            fields?.fill(packet)
            provenance?.record(into: packet)
            return packet.bytes
        }
        guard let xmp else {
            if provenance != nil || fields?.hasMappedFields == true {
                embedded = derive(XMPPacket(toolkit: toolkit))
            }
            sidecar = embedded
            return
        }
        do {
            embedded = derive(try XMPPacket(parsing: xmp))
            sidecar = embedded
        } catch {
            embedded = xmp
            sidecar = provenance.map { _ in derive(XMPPacket(toolkit: toolkit)) }
            warnings.append("\(sourcePath): its XMP packet does not parse (\(error)); it is carried over unchanged"
                            + (provenance == nil ? "" : " and the provenance is in the sidecar only"))
        }
    }
}
