/// The streaming reader's contract: bands of any size add up to the image,
/// reading past the end is harmless, and sample types must match the depth.
import Testing
import Imaging

@Suite("ImageReader streaming")
struct ImageReaderTests {
    @Test("bands of any size deliver each row exactly once", arguments: [1, 2, 5, 11, 100])
    func bands(size: Int) throws {
        let (_, whole) = try readAll8(Fixture.path("interlaced-rgb8.png"), band: 100)
        let (info, banded) = try readAll8(Fixture.path("interlaced-rgb8.png"), band: size)
        #expect(banded == whole)
        #expect(banded.count == info.height * info.samplesPerRow)
    }

    @Test("after the last row, reads return 0 rows and succeed")
    func pastTheEnd() throws {
        let reader = try ImageReader(path: Fixture.path("gray.jpg"))
        var rows: [UInt8] = []
        #expect(try reader.readRows(count: 10, into: &rows) == 10)
        #expect(try reader.readRows(count: 10, into: &rows) == 6)
        #expect(rows.count == 6 * 16)
        #expect(reader.rowsRemaining == 0)
        #expect(try reader.readRows(count: 10, into: &rows) == 0)
        #expect(rows.isEmpty)
    }

    @Test("rows can be decoded straight into caller memory")
    func intoBufferPointer() throws {
        let reader = try ImageReader(path: Fixture.path("palette-trns.png"))
        let buffer = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: 3 * 4 * 4)
        defer { buffer.deallocate() }
        #expect(try reader.readRows(count: 3, into: buffer) == 3)
        #expect(Array(buffer.prefix(4)) == [255, 0, 0, 0])
    }

    @Test("a too-small buffer is refused before decoding")
    func smallBuffer() throws {
        let path = Fixture.path("palette-trns.png")
        let reader = try ImageReader(path: path)
        let buffer = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: 4)
        defer { buffer.deallocate() }
        expectFailure(.invalidArgument, naming: path) { try reader.readRows(count: 1, into: buffer) }
        #expect(reader.rowsRead == 0)
    }

    @Test("asking for the wrong sample width is a caller error")
    func wrongSampleType() throws {
        let path8 = Fixture.path("baseline.jpg")
        var wide: [UInt16] = []
        expectFailure(.invalidArgument, naming: path8) { try ImageReader(path: path8).readRows(count: 1, into: &wide) }
        let path16 = Fixture.path("gray16.png")
        var narrow: [UInt8] = []
        expectFailure(.invalidArgument, naming: path16) { try ImageReader(path: path16).readRows(count: 1, into: &narrow) }
    }

    @Test("Float rows are on the 0…255 scale for both depths")
    func floatRows() throws {
        var floats: [Float] = []
        let deep = try ImageReader(path: Fixture.path("gray16.png"))
        try deep.readRows(count: 1, into: &floats)
        #expect(floats.count == 5)
        #expect(abs(floats[0] - Float(0x0102) / 257) < 0.0001)

        let shallow = try ImageReader(path: Fixture.path("gray-4bit.png"))
        try shallow.readRows(count: 1, into: &floats)
        #expect(floats == [0, 3, 6, 9, 12, 15, 2].map { Float($0 * 17) })
    }
}
