/// Inputs the fuzzer (tools/fuzz) found that once broke an invariant, kept so they never do again.
/// Each fixture states the one outcome it must have; a fixture that quietly took another path
/// (parsed where it was refused, dropped where it was edited) would no longer test its bug.
import Foundation
import Testing
import Imaging

@Suite("Fuzz regressions")
struct FuzzRegressionTests {
    /// Its thumbnail's values sat in the TIFF header, and erasing the thumbnail once left the
    /// header unparsable. It must now be edited: thumbnail gone, orientation 1 (or none), and
    /// the result parses.
    @Test("EXIF with its thumbnail's values in the TIFF header is made upright and parses back")
    func thumbnailInHeader() throws {
        let bytes = try Fixture.bytes("fuzz-exif-rewrite.tiff")
        var block = try ExifBlock(bytes)
        #expect(block.hasThumbnailDirectory, "the fixture has the thumbnail the bug was about")
        try block.makeUpright(width: 16000, height: 12000)

        let upright = ImageMetadata(exif: bytes).upright(width: 16000, height: 12000)
        let exif = try #require(upright.exif, "the EXIF is kept (edited), not dropped")
        #expect(exif == block.bytes, "the metadata carries the edited block")
        let again = try ExifBlock(exif)
        #expect(again.orientation == nil || again.orientation == .topLeft, "\(String(describing: again.orientation))")
        #expect(!again.hasThumbnailDirectory)
    }

    /// Its interoperability directory overlaps another, so an edit to one entry rewrote another's
    /// count. It must now be refused when parsed — and so dropped from an upright copy, which
    /// then carries no EXIF at all rather than a block nobody can read.
    @Test("EXIF with overlapping directories is refused when parsed, and dropped from the upright copy")
    func overlappingDirectories() throws {
        let bytes = try Fixture.bytes("fuzz-exif-rewrite-2.tiff")
        #expect {
            try ExifBlock(bytes)
        } throws: { error in
            "\(error)".contains("overlaps another directory")
        }
        let metadata = ImageMetadata(exif: bytes)
        #expect(metadata.orientation == .topLeft, "an unparsable block turns nothing")
        #expect(metadata.upright(width: 16000, height: 12000).exif == nil)
    }

    /// A 2 KB PNG whose iTXt chunk claims 1.8 GB: libpng allocated the claimed length before
    /// reading (1.8 GB resident for a 2 KB file). It must now be refused as truncated when
    /// opened, before libpng reads a chunk.
    @Test("a PNG text chunk claiming more bytes than the file holds is refused as truncated, naming the chunk")
    func lyingTextChunk() throws {
        let path = Fixture.path("fuzz-itxt-claims-1.8gb.png")
        let error = expectFailure(.truncated, naming: path) { _ = try ImageReader(path: path) }
        #expect(error?.description.contains("the iTXt chunk claims 1845494231 bytes") == true, "\(String(describing: error))")
    }
}
