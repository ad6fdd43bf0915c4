import Foundation
import Testing
@testable import ModelFormats

/// Our weight format: safetensors, float32 only, written atomically, read with full validation.
@Suite("TensorFile (safetensors)")
struct TensorFileTests {
    static let sample = TensorFile(
        metadata: ["architecture": "srgan-generator", "scale": "4", "note": "ünïcode / slashes"],
        tensors: [
            "head.conv.weight": Tensor(shape: [2, 1, 1, 3], values: [1, -2, 3.5, .pi, -0, 1e-30]),
            "head.conv.bias": Tensor(shape: [3], values: [0.25, .greatestFiniteMagnitude, -.infinity]),
            "scalar": Tensor(shape: [], values: [42]),
            "empty": Tensor(shape: [0, 4], values: []),
        ])

    @Test("a written file reads back identical, metadata included")
    func roundTrip() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("model.safetensors")
        try Self.sample.write(to: path)
        let read = try TensorFile.read(path: path)
        #expect(read == Self.sample)
        #expect(read.tensors["head.conv.weight"]?.values[3] == Float.pi)
    }

    @Test("the layout is safetensors: LE length, space-padded JSON, data 8-byte aligned in sorted-name order")
    func layout() throws {
        let bytes = try Self.sample.serialized(file: "memory")
        let length = bytes[0..<8].reversed().reduce(0) { $0 << 8 | Int($1) }
        #expect((8 + length) % 8 == 0)
        let header = try #require(String(bytes: bytes[8..<(8 + length)], encoding: .utf8))
        #expect(header.hasPrefix("{"))
        #expect(header.trimmingCharacters(in: .whitespaces).hasSuffix("}"))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(bytes[8..<(8 + length)])) as? [String: Any])
        func offsets(_ name: String) -> [Int]? { (json[name] as? [String: Any])?["data_offsets"] as? [Int] }
        // Sorted names: empty, head.conv.bias, head.conv.weight, scalar.
        #expect(offsets("empty") == [0, 0])
        #expect(offsets("head.conv.bias") == [0, 12])
        #expect(offsets("head.conv.weight") == [12, 36])
        #expect(offsets("scalar") == [36, 40])
        #expect((json["__metadata__"] as? [String: String])?["scale"] == "4")
        #expect(bytes.count == 8 + length + 40)
        // 0.25 little-endian is 00 00 80 3e.
        #expect(Array(bytes[(8 + length)..<(8 + length + 4)]) == [0x00, 0x00, 0x80, 0x3e])
    }

    @Test("writing replaces an existing file and leaves no temporary files behind")
    func atomicReplace() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("model.safetensors")
        try TensorFile(metadata: ["v": "1"], tensors: ["a": Tensor(shape: [1], values: [1])]).write(to: path)
        try Self.sample.write(to: path)
        #expect(try TensorFile.read(path: path) == Self.sample)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["model.safetensors"])
    }

    @Test("writing refuses tensors whose values do not fill their shape, and the reserved name")
    func writeValidation() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("bad.safetensors")
        let error = #expect(throws: ModelFormatError.self) {
            try TensorFile(tensors: ["x": Tensor(shape: [2, 2], values: [1, 2, 3])]).write(to: path)
        }
        #expect(error?.kind == .invalidTensor)
        #expect(error?.description == "\(path): tensor \"x\": shape [2,2] does not hold 3 values")
        #expect(throws: ModelFormatError.self) {
            try TensorFile(tensors: ["__metadata__": Tensor(shape: [1], values: [1])]).write(to: path)
        }
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test("writing into a missing directory is an I/O error naming the file")
    func writeIntoMissingDirectory() throws {
        let path = "/nonexistent-enhance-dir/model.safetensors"
        let error = #expect(throws: ModelFormatError.self) { try Self.sample.write(to: path) }
        #expect(error?.kind == .io)
        #expect(error?.file == path)
    }

    // MARK: Reading damaged or foreign files

    /// A valid file's bytes to damage, plus a helper to rebuild one from a raw header.
    static func file(header: String, data: [UInt8] = []) -> [UInt8] {
        var json = Array(header.utf8)
        while json.count % 8 != 0 { json.append(0x20) }
        var bytes = (0..<8).map { UInt8(truncatingIfNeeded: json.count >> ($0 * 8)) }
        bytes += json + data
        return bytes
    }

    static func readError(_ bytes: [UInt8]) throws -> ModelFormatError? {
        let directory = try TemporaryDirectory()
        let path = try directory.write(bytes, to: "damaged.safetensors")
        let error = #expect(throws: ModelFormatError.self) { _ = try TensorFile.read(path: path) }
        #expect(error?.file == path, "the error names the file")
        #expect(error?.description.hasPrefix(path + ": ") == true)
        return error
    }

    @Test("a missing file is an I/O error naming it")
    func missingFile() throws {
        let error = #expect(throws: ModelFormatError.self) { _ = try TensorFile.read(path: "/nonexistent/x.safetensors") }
        #expect(error?.kind == .io)
        #expect(error?.description == "/nonexistent/x.safetensors: cannot open: No such file or directory")
    }

    @Test("files shorter than the length field are refused")
    func tooShort() throws {
        let error = try Self.readError([1, 2, 3])
        #expect(error?.kind == .invalidTensorFile)
        #expect(error?.detail.contains("too short") == true)
    }

    @Test("a truncated file is refused: the header length exceeds the file")
    func truncatedHeader() throws {
        let whole = try Self.sample.serialized(file: "memory")
        let error = try Self.readError(Array(whole.prefix(20)))
        #expect(error?.kind == .invalidTensorFile)
        #expect(error?.detail.contains("exceeds the 12 bytes that follow the length field") == true)
    }

    @Test("a file truncated inside the data is refused: offsets point past the end")
    func truncatedData() throws {
        let whole = try Self.sample.serialized(file: "memory")
        let error = try Self.readError(Array(whole.dropLast(4)))
        #expect(error?.kind == .invalidTensorFile)
        #expect(error?.detail == "tensor \"scalar\": data_offsets [36, 40] exceed the data section of 36 bytes")
    }

    @Test("a header length of 2^64-1 is refused without overflow")
    func hugeHeaderLength() throws {
        let error = try Self.readError([UInt8](repeating: 0xff, count: 8) + Array("{}".utf8))
        #expect(error?.kind == .invalidTensorFile)
        #expect(error?.detail.contains("header length 18446744073709551615 exceeds") == true)
    }

    @Test("a header that is not a JSON object is refused")
    func notJSON() throws {
        #expect(try Self.readError(Self.file(header: "not json"))?.detail.contains("not valid JSON") == true)
        #expect(try Self.readError(Self.file(header: "[1,2]"))?.detail == "header is JSON but not an object")
    }

    @Test("offsets beyond the data section are refused")
    func offsetsOutOfBounds() throws {
        let error = try Self.readError(Self.file(
            header: #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,800]}}"#, data: [UInt8](repeating: 0, count: 8)))
        #expect(error?.detail == "tensor \"a\": data_offsets [0, 800] exceed the data section of 8 bytes")
    }

    @Test("offsets that disagree with shape × 4 bytes are refused")
    func offsetsInconsistentWithShape() throws {
        let error = try Self.readError(Self.file(
            header: #"{"a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,20]}}"#, data: [UInt8](repeating: 0, count: 20)))
        #expect(error?.detail == "tensor \"a\": shape [2,3] needs 24 bytes but data_offsets [0, 20] span 20")
    }

    @Test("overlapping tensors are refused")
    func overlap() throws {
        let error = try Self.readError(Self.file(
            header: #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#,
            data: [UInt8](repeating: 0, count: 12)))
        #expect(error?.detail == "tensors \"a\" [0, 8] and \"b\" [4, 12] overlap")
    }

    @Test("bytes that belong to no tensor are refused")
    func holes() throws {
        let gap = try Self.readError(Self.file(
            header: #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, data: [UInt8](repeating: 0, count: 8)))
        #expect(gap?.detail == "bytes 0..<4 of the data section belong to no tensor")
        let trailing = try Self.readError(Self.file(
            header: #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, data: [UInt8](repeating: 0, count: 8)))
        #expect(trailing?.detail == "bytes 4..<8 of the data section belong to no tensor")
    }

    @Test("dtypes other than F32 are refused with a message saying so")
    func otherDTypes() throws {
        let error = try Self.readError(Self.file(
            header: #"{"a":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0]))
        #expect(error?.kind == .unsupportedDType)
        #expect(error?.detail == "tensor \"a\" has dtype F16; only F32 is supported (convert the file to float32)")
    }

    @Test("malformed entries are refused", arguments: [
        (#"{"a":{"shape":[1],"data_offsets":[0,4]}}"#, "tensor \"a\": missing or non-string dtype"),
        (#"{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}"#, "tensor \"a\": shape is not an array of non-negative integers"),
        (#"{"a":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}}"#, "tensor \"a\": shape is not an array of non-negative integers"),
        (#"{"a":{"dtype":"F32","shape":[true],"data_offsets":[0,4]}}"#, "tensor \"a\": shape is not an array of non-negative integers"),
        (#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0]}}"#, "tensor \"a\": data_offsets is not a pair of non-negative integers"),
        (#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}}"#, "tensor \"a\": data_offsets [4, 0] run backwards"),
        (#"{"a":[1]}"#, "tensor \"a\": entry is not an object"),
        (#"{"__metadata__":{"k":1}}"#, "__metadata__ value for \"k\" is not a string"),
    ])
    func malformedEntries(header: String, message: String) throws {
        let error = try Self.readError(Self.file(header: header, data: [0, 0, 0, 0]))
        #expect(error?.detail == message)
    }

    @Test("a file written by another safetensors writer (no metadata, unpadded header) reads")
    func foreignWriter() throws {
        var bytes: [UInt8] = []
        let header = Array(#"{"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#.utf8)
        bytes += (0..<8).map { UInt8(truncatingIfNeeded: header.count >> ($0 * 8)) }
        bytes += header + [0, 0, 0x80, 0x3f, 0, 0, 0, 0x40]
        let directory = try TemporaryDirectory()
        let file = try TensorFile.read(path: try directory.write(bytes, to: "foreign.safetensors"))
        #expect(file.metadata.isEmpty)
        #expect(file.tensors == ["a": Tensor(shape: [1], values: [1]), "b": Tensor(shape: [1], values: [2])])
    }
}
