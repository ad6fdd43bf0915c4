/// Metadata carried through unchanged as raw bytes. Interpreting it (EXIF
/// orientation, colour management) is for other modules; the codecs only
/// find it on read and put it back on write.
public struct ImageMetadata: Sendable, Hashable {
    /// The EXIF TIFF structure (starts with "II*\0" or "MM\0*"), without
    /// JPEG's "Exif\0\0" prefix. JPEG APP1 or PNG eXIf.
    public var exif: [UInt8]?
    /// The XMP packet. JPEG APP1 (single segment; extended XMP is not
    /// supported) or PNG iTXt "XML:com.adobe.xmp".
    public var xmp: [UInt8]?
    /// The complete ICC profile. JPEG APP2 chunks reassembled, PNG iCCP
    /// decompressed. When writing PNG, libpng drops a profile that does not
    /// match the image (e.g. a gray profile on RGB) rather than fail.
    public var iccProfile: [UInt8]?
    /// IPTC-IIM datasets (record 2 captions, keywords, …), as TIFF tag 33723
    /// holds them and as JPEG APP13 carries them in Photoshop resource 0x0404.
    /// Formats with no IPTC home map its fields into XMP instead.
    public var iptc: [UInt8]?
    /// The other Photoshop image resources of a JPEG's APP13 (every 8BIM resource but 0x0404,
    /// headers included: resolution, IPTC digest, captions of old Photoshop…), carried to JPEG
    /// outputs beside `iptc`. Other formats have no home for them.
    public var photoshopResources: [UInt8]?

    public init(exif: [UInt8]? = nil, xmp: [UInt8]? = nil, iccProfile: [UInt8]? = nil, iptc: [UInt8]? = nil,
                photoshopResources: [UInt8]? = nil) {
        self.exif = exif
        self.xmp = xmp
        self.iccProfile = iccProfile
        self.iptc = iptc
        self.photoshopResources = photoshopResources
    }

    public var isEmpty: Bool {
        exif == nil && xmp == nil && iccProfile == nil && iptc == nil && photoshopResources == nil
    }
}
