/// The real exiftool (Debian `libimage-exiftool-perl`, installed by scripts/setup), to tag test
/// photos the way digiKam leaves them and to read outputs back as a photo manager would.
import Foundation

public enum ExifTool {
    public static let path = "/usr/bin/exiftool"

    static func run(_ arguments: [String]) throws -> CommandResult {
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw TestEnvironment.Missing(description: "\(path) is missing: run scripts/setup (it installs libimage-exiftool-perl)")
        }
        return try runCommand(path, arguments)
    }

    public struct Failed: Error, CustomStringConvertible {
        public let description: String
    }

    /// Tags the image at `path` in place as digiKam does: two keywords, title, description,
    /// rating, DocumentID/InstanceID and one History event in XMP (with XMP sizes, as digiKam
    /// writes them), digiKam and Lightroom tag trees, EXIF date, sizes and GPS, the ICC profile at
    /// `icc`, and — `iptc` — IPTC keywords and caption with Photoshop's digest of them (JPEG:
    /// APP13, two resources).
    public static func tagLikeDigiKam(_ path: String, width: Int, height: Int, icc: String, iptc: Bool) throws {
        var arguments = [
            "-overwrite_original", "-q", "-m",
            "-ICC_Profile<=\(icc)",
            "-XMP-dc:Subject=cat", "-XMP-dc:Subject=garden",
            "-XMP-dc:Title=Tom in the garden", "-XMP-dc:Description=Tom, our cat, in the garden",
            "-XMP-xmp:Rating=3", "-XMP-xmp:CreateDate=2021:06:01 10:00:00",
            "-XMP-xmpMM:DocumentID=xmp.did:0f3b-source", "-XMP-xmpMM:InstanceID=xmp.iid:0f3b-source-1",
            "-XMP-xmpMM:HistoryAction=saved", "-XMP-xmpMM:HistoryInstanceID=xmp.iid:0f3b-source-1",
            "-XMP-xmpMM:HistoryWhen=2021:06:02 09:00:00", "-XMP-xmpMM:HistorySoftwareAgent=digiKam-7.9.0",
            "-XMP-digiKam:TagsList=Pets/cat", "-XMP-lr:HierarchicalSubject=Pets|cat",
            "-XMP-tiff:ImageWidth=\(width)", "-XMP-tiff:ImageHeight=\(height)",
            "-XMP-exif:ExifImageWidth=\(width)", "-XMP-exif:ExifImageHeight=\(height)",
            "-EXIF:DateTimeOriginal=2021:06:01 10:00:00", "-EXIF:ExifImageWidth=\(width)",
            "-EXIF:ExifImageHeight=\(height)",
            "-GPSLatitude=50.9375", "-GPSLatitudeRef=N", "-GPSLongitude=6.9603", "-GPSLongitudeRef=E",
        ]
        if iptc {
            arguments += ["-IPTC:Keywords=cat", "-IPTC:Keywords=garden",
                          "-IPTC:Caption-Abstract=Tom, our cat, in the garden", "-IPTC:CodedCharacterSet=UTF8",
                          "-Photoshop:IPTCDigest=new"]
        }
        let result = try run(arguments + [path])
        guard result.status == 0 else { throw Failed(description: "exiftool could not tag \(path): \(result.stderr)") }
    }

    /// A copy of a small fixture photo (16×16 JPEG, or the 24×20 PNG — as TIFF or lossless WebP
    /// converted by Debian's Pillow) at `directory/name`, tagged like digiKam (`tagLikeDigiKam`;
    /// IPTC on the JPEG and the TIFF, the formats with a home for it). Its path.
    public static func digiKamPhoto(_ name: String, in directory: URL) throws -> String {
        let ext = (name as NSString).pathExtension
        let jpeg = ext == "jpg"
        let base = jpeg ? TestEnvironment.fixture("ImagingTests", "baseline.jpg") : TestEnvironment.fixture("SRGANTests", "lr_tiny.png")
        let path = directory.appendingPathComponent(name).path
        if ext == "tif" || ext == "webp" {
            let save = ext == "tif" ? "Image.open(sys.argv[1]).save(sys.argv[2], compression='tiff_deflate')"
                                    : "Image.open(sys.argv[1]).save(sys.argv[2], lossless=True)"
            let converted = try runCommand("/usr/bin/python3", ["-c", "import sys\nfrom PIL import Image\n" + save, base, path])
            guard converted.status == 0 else { throw Failed(description: "Pillow could not write \(path): \(converted.stderr)") }
        } else {
            try FileManager.default.copyItem(atPath: base, toPath: path)
        }
        try tagLikeDigiKam(path, width: jpeg ? 16 : 24, height: jpeg ? 16 : 20,
                           icc: TestEnvironment.fixture("ImagingTests", "adobe-rgb.icc"), iptc: jpeg || ext == "tif")
        return path
    }

    /// Every tag of `path` as `exiftool -j -G1 -struct` gives it: "Group:Name" → value.
    public static func tags(_ path: String) throws -> [String: Any] {
        let result = try run(["-j", "-G1", "-struct", path])
        guard result.status == 0, let array = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]],
              let tags = array.first else {
            throw Failed(description: "exiftool cannot read \(path): \(result.stderr)")
        }
        return tags
    }

    /// The warnings of `exiftool -validate -warning -a`, without the file-specific summary line.
    public static func validationWarnings(_ path: String) throws -> Set<String> {
        let result = try run(["-validate", "-warning", "-a", "-G1", path])
        return Set(result.stdout.split(separator: "\n").map(String.init).filter { !$0.contains("Validate ") })
    }
}
