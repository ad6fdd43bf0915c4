/// Inputs the fuzzer (tools/fuzz) found that once broke an invariant, kept so they never do again.
import Foundation
import Testing
import Imaging

@Suite("Fuzz regressions")
struct FuzzRegressionTests {
    @Test("an EXIF block we rewrite still parses", arguments: ["fuzz-exif-rewrite.tiff"])
    func rewrittenExifParses(fixture: String) throws {
        let bytes = try Fixture.bytes(fixture)
        var block = try ExifBlock(bytes)
        block.makeUpright(width: 16000, height: 12000)
        let again = try ExifBlock(block.bytes)
        #expect(again.orientation == nil || again.orientation == .topLeft)
        #expect(!again.hasThumbnailDirectory)
    }
}
