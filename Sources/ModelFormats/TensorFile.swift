import Foundation

/// Our weight file: safetensors restricted to float32. The format is chosen
/// because it is trivially parseable and has no code in it; the restriction to
/// F32 because every consumer in enhance computes in float32.
///
/// Layout: an 8-byte little-endian header length N, N bytes of JSON
/// `{"name": {"dtype":"F32","shape":[...],"data_offsets":[begin,end]}, "__metadata__": {...}}`,
/// then the tensor bytes (little-endian) with offsets relative to the end of the header.
public struct TensorFile: Sendable, Equatable {
    public var metadata: [String: String]
    public var tensors: [String: Tensor]

    public init(metadata: [String: String] = [:], tensors: [String: Tensor] = [:]) {
        self.metadata = metadata
        self.tensors = tensors
    }

    /// Sum of all tensors' element counts.
    public var parameterCount: Int {
        tensors.values.reduce(0) { $0 + $1.values.count }
    }

    static let metadataKey = "__metadata__"
    /// Same bound as the reference implementation: a header this large is an attack or garbage.
    static let maximumHeaderLength = 100_000_000

    // MARK: Reading

    public static func read(path: String) throws -> TensorFile {
        let bytes = try FileIO.readWholeFile(path)
        return try parse(bytes, file: path)
    }

    static func parse(_ bytes: [UInt8], file: String) throws -> TensorFile {
        func invalid(_ detail: String) -> ModelFormatError {
            ModelFormatError(.invalidTensorFile, file: file, detail)
        }
        guard bytes.count >= 8 else {
            throw invalid("too short for a safetensors file (\(bytes.count) bytes; the header length alone takes 8)")
        }
        var declared: UInt64 = 0
        for index in (0..<8).reversed() {
            declared = declared << 8 | UInt64(bytes[index])
        }
        let available = bytes.count - 8
        guard declared <= UInt64(available) else {
            throw invalid("header length \(declared) exceeds the \(available) bytes that follow the length field (truncated file?)")
        }
        let headerLength = Int(declared)
        guard headerLength <= maximumHeaderLength else {
            throw invalid("header length \(headerLength) is over the \(maximumHeaderLength)-byte limit")
        }
        guard headerLength >= 2 else {
            throw invalid("header length \(headerLength) is too small for a JSON object")
        }
        let dataStart = 8 + headerLength
        let dataSize = bytes.count - dataStart

        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: Data(bytes[8..<dataStart]), options: [])
        } catch {
            throw invalid("header is not valid JSON (\(error.localizedDescription))")
        }
        guard let header = json as? [String: Any] else {
            throw invalid("header is JSON but not an object")
        }

        var metadata: [String: String] = [:]
        if let rawMetadata = header[metadataKey] {
            guard let entries = rawMetadata as? [String: Any] else {
                throw invalid("\(metadataKey) is not an object")
            }
            for (key, value) in entries {
                guard let text = value as? String else {
                    throw invalid("\(metadataKey) value for \"\(key)\" is not a string")
                }
                metadata[key] = text
            }
        }

        struct Entry {
            let name: String
            let shape: [Int]
            let begin: Int
            let end: Int
        }
        var entries: [Entry] = []
        for (name, rawEntry) in header where name != metadataKey {
            guard let entry = rawEntry as? [String: Any] else {
                throw invalid("tensor \"\(name)\": entry is not an object")
            }
            guard let dtype = entry["dtype"] as? String else {
                throw invalid("tensor \"\(name)\": missing or non-string dtype")
            }
            guard dtype == "F32" else {
                throw ModelFormatError(.unsupportedDType, file: file,
                    "tensor \"\(name)\" has dtype \(dtype); only F32 is supported (convert the file to float32)")
            }
            guard let shape = nonNegativeIntegers(entry["shape"]) else {
                throw invalid("tensor \"\(name)\": shape is not an array of non-negative integers")
            }
            guard let offsets = nonNegativeIntegers(entry["data_offsets"]), offsets.count == 2 else {
                throw invalid("tensor \"\(name)\": data_offsets is not a pair of non-negative integers")
            }
            let (begin, end) = (offsets[0], offsets[1])
            guard begin <= end else {
                throw invalid("tensor \"\(name)\": data_offsets [\(begin), \(end)] run backwards")
            }
            guard end <= dataSize else {
                throw invalid("tensor \"\(name)\": data_offsets [\(begin), \(end)] exceed the data section of \(dataSize) bytes")
            }
            guard let count = Tensor.elementCount(of: shape),
                  case let (byteCount, overflow) = count.multipliedReportingOverflow(by: 4), !overflow,
                  byteCount == end - begin else {
                throw invalid("tensor \"\(name)\": shape \(shape.shapeDescription) needs \(Tensor.elementCount(of: shape).map { "\($0 * 4)" } ?? "an impossible number of") bytes but data_offsets [\(begin), \(end)] span \(end - begin)")
            }
            entries.append(Entry(name: name, shape: shape, begin: begin, end: end))
        }

        // Every byte of the data section must belong to exactly one tensor: overlaps
        // would let two names alias one array, holes hide data nobody validated.
        entries.sort { ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name) }
        var covered = 0
        var previous: Entry?
        for entry in entries {
            if entry.begin < covered, let previous {
                throw invalid("tensors \"\(previous.name)\" [\(previous.begin), \(previous.end)] and \"\(entry.name)\" [\(entry.begin), \(entry.end)] overlap")
            }
            if entry.begin > covered {
                throw invalid("bytes \(covered)..<\(entry.begin) of the data section belong to no tensor")
            }
            covered = max(covered, entry.end)
            if entry.end > entry.begin || previous == nil { previous = entry }
        }
        if covered != dataSize {
            throw invalid("bytes \(covered)..<\(dataSize) of the data section belong to no tensor")
        }

        var tensors: [String: Tensor] = [:]
        bytes.withUnsafeBytes { raw in
            for entry in entries {
                let count = (entry.end - entry.begin) / 4
                let values = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
                    let source = UnsafeRawBufferPointer(rebasing: raw[(dataStart + entry.begin)..<(dataStart + entry.end)])
                    UnsafeMutableRawBufferPointer(buffer).copyMemory(from: source)
                    initialized = count
                }
                #if _endian(big)
                tensors[entry.name] = Tensor(shape: entry.shape, values: values.map { Float(bitPattern: UInt32(littleEndian: $0.bitPattern)) })
                #else
                tensors[entry.name] = Tensor(shape: entry.shape, values: values)
                #endif
            }
        }
        return TensorFile(metadata: metadata, tensors: tensors)
    }

    private static func nonNegativeIntegers(_ value: Any?) -> [Int]? {
        guard let array = value as? [Any] else { return nil }
        var result: [Int] = []
        for element in array {
            // `as? Int` refuses fractions and out-of-range numbers but lets JSON
            // booleans through as 0 and 1; those are told apart by their
            // Objective-C type code, the only thing that differs.
            guard let number = element as? NSNumber, let integer = element as? Int, integer >= 0,
                  !["c", "B"].contains(String(cString: number.objCType)) else { return nil }
            result.append(integer)
        }
        return result
    }

    // MARK: Writing

    /// Writes atomically: a reader (the daemon reloading its model) sees either
    /// the old file or the complete new one, never a half-written one.
    public func write(to path: String) throws {
        let bytes = try serialized(file: path)
        try FileIO.writeAtomically(bytes, to: path)
    }

    func serialized(file: String) throws -> [UInt8] {
        var header: [String: Any] = [:]
        var offset = 0
        let names = tensors.keys.sorted()
        for name in names {
            let tensor = tensors[name]!
            guard name != Self.metadataKey else {
                throw ModelFormatError(.invalidTensor, file: file, "\"\(name)\" is reserved and cannot name a tensor")
            }
            guard let count = tensor.elementCount, count == tensor.values.count else {
                throw ModelFormatError(.invalidTensor, file: file,
                    "tensor \"\(name)\": shape \(tensor.shape.shapeDescription) does not hold \(tensor.values.count) values")
            }
            header[name] = ["dtype": "F32", "shape": tensor.shape, "data_offsets": [offset, offset + count * 4]] as [String: Any]
            offset += count * 4
        }
        if !metadata.isEmpty {
            header[Self.metadataKey] = metadata
        }
        var json = [UInt8](try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys, .withoutEscapingSlashes]))
        // Pad so the float data starts 8-byte aligned in the file, which lets
        // readers map it and use it in place.
        while json.count % 8 != 0 { json.append(UInt8(ascii: " ")) }

        var bytes: [UInt8] = []
        bytes.reserveCapacity(8 + json.count + offset)
        let length = UInt64(json.count)
        for shift in stride(from: 0, to: 64, by: 8) {
            bytes.append(UInt8(truncatingIfNeeded: length >> UInt64(shift)))
        }
        bytes.append(contentsOf: json)
        for name in names {
            #if _endian(big)
            let values = tensors[name]!.values.map { Float(bitPattern: $0.bitPattern.littleEndian) }
            #else
            let values = tensors[name]!.values
            #endif
            values.withUnsafeBytes { bytes.append(contentsOf: $0) }
        }
        return bytes
    }
}
