/// What metadata says about orientation, and how it must change once the pixels are upright.
extension ImageMetadata {
    /// The EXIF orientation, or `.topLeft` when there is no EXIF, no tag, an invalid value or an
    /// unparsable block (a viewer would show such a file unturned too).
    public var orientation: ExifOrientation {
        guard let exif, let block = try? ExifBlock(exif) else { return .topLeft }
        return block.orientation ?? .topLeft
    }

    /// The metadata for an upright copy of `width` × `height` pixels: EXIF with orientation 1, the
    /// new pixel dimensions and no thumbnail (or no EXIF at all when it cannot be parsed — a block
    /// we cannot edit might still tell viewers to turn the already-upright pixels); XMP with any
    /// `tiff:Orientation` set to 1 for the same reason. ICC is untouched: colours are never
    /// converted, so the profile still describes them.
    public func upright(width: Int, height: Int) -> ImageMetadata {
        var result = self
        if let exif {
            if var block = try? ExifBlock(exif), (try? block.makeUpright(width: width, height: height)) != nil {
                result.exif = block.bytes
            } else {
                result.exif = nil
            }
        }
        if let xmp { result.xmp = Self.uprightXMP(xmp) }
        return result
    }

    /// The colour space the ICC profile describes ("RGB", "GRAY", "CMYK"…, from header bytes
    /// 16–19), or `nil` without a profile long enough to have one.
    public var iccColorSpace: String? {
        guard let icc = iccProfile, icc.count >= 128 else { return nil }
        return String(decoding: icc[16..<20], as: UTF8.self).trimmingSuffix(while: { $0 == " " })
    }

    /// Sets `tiff:Orientation` to 1 in both the attribute (`="6"`) and the element (`>6<`)
    /// spelling. Works on the bytes (the name and digits are ASCII, which UTF-8 never reuses), so
    /// everything else in the packet is kept exactly.
    static func uprightXMP(_ xmp: [UInt8]) -> [UInt8] {
        let name = Array("tiff:Orientation".utf8)
        let (equals, greater, quote, apostrophe, space, tab, one) = (UInt8(ascii: "="), UInt8(ascii: ">"),
            UInt8(ascii: "\""), UInt8(ascii: "'"), UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "1"))
        var out: [UInt8] = []
        out.reserveCapacity(xmp.count)
        var i = 0
        while i < xmp.count {
            guard xmp.count - i >= name.count, xmp[i..<(i + name.count)].elementsEqual(name) else {
                out.append(xmp[i])
                i += 1
                continue
            }
            out += name
            i += name.count
            guard i < xmp.count, xmp[i] == equals || xmp[i] == greater else { continue }
            var cursor = i + 1
            if xmp[i] == equals, cursor < xmp.count, xmp[cursor] == quote || xmp[cursor] == apostrophe { cursor += 1 }
            var end = cursor
            while end < xmp.count, xmp[end] == space || xmp[end] == tab || (0x30...0x39).contains(xmp[end]) { end += 1 }
            guard end > cursor else { continue }
            out += xmp[i..<cursor]
            out.append(one)
            i = end
        }
        return out
    }
}

extension String {
    fileprivate func trimmingSuffix(while predicate: (Character) -> Bool) -> String {
        var result = self
        while let last = result.last, predicate(last) { result.removeLast() }
        return result
    }
}
