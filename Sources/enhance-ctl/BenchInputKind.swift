/// `bench memory --kinds`: what the generated inputs are — a camera's JPEG, or the archive
/// formats whose codecs hold more than a band (a 16-bit TIFF's strips, WebP's whole-image
/// decode and encode). Each kind's output is written in the same format, at its depth, so the
/// row measures that format's whole path.
import ArgumentParser
import Imaging

enum BenchInputKind: String, CaseIterable, ExpressibleByArgument {
    case jpg
    case tiff16
    case webp

    var format: ImageFormat {
        switch self {
        case .jpg: .jpeg
        case .tiff16: .tiff
        case .webp: .webp
        }
    }

    var bitDepth: Int { self == .tiff16 ? 16 : 8 }
    var label: String { self == .tiff16 ? "16-bit TIFF" : format.description }
}
