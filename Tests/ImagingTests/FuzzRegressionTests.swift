/// Inputs the fuzzer (tools/fuzz) found that once broke an invariant, kept so they never do again.
import Foundation
import Testing
import Imaging

@Suite("Fuzz regressions")
struct FuzzRegressionTests {
    /// Both once came out of `makeUpright` unparsable: the first had its thumbnail's values in the
    /// TIFF header (erased with the thumbnail), the second a directory overlapping another (an
    /// edit to one entry rewrote another's count).
    @Test("EXIF made upright is either dropped or parses back with orientation 1 and no thumbnail",
          arguments: ["fuzz-exif-rewrite.tiff", "fuzz-exif-rewrite-2.tiff"])
    func rewrittenExifParses(fixture: String) throws {
        let bytes = try Fixture.bytes(fixture)
        let upright = ImageMetadata(exif: bytes).upright(width: 16000, height: 12000)
        if let exif = upright.exif {
            let again = try ExifBlock(exif)
            #expect(again.orientation == nil || again.orientation == .topLeft)
            #expect(!again.hasThumbnailDirectory)
        }
        if var block = try? ExifBlock(bytes) {
            let before = block
            if (try? block.makeUpright(width: 16000, height: 12000)) == nil {
                #expect(block == before, "a refused edit leaves the block as it was")
            }
        }
    }
}
