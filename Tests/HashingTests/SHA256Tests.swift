import Foundation
import Hashing
import Testing
import TestSupport

/// SHA-256 through our `Hashing` face of swift-crypto, checked against the FIPS 180-4 / NIST
/// example vectors, and streaming (pieces, files larger than one read) against one-shot hashing.
@Suite("SHA-256")
struct SHA256Tests {
    @Test("NIST vectors", arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        ("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
         "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"),
    ])
    func vectors(message: String, digest: String) {
        #expect(SHA256.hex(SHA256.hash(Array(message.utf8))) == digest)
    }

    @Test("one million 'a' (NIST long message)")
    func millionA() {
        #expect(SHA256.hex(SHA256.hash([UInt8](repeating: 0x61, count: 1_000_000)))
            == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test("padding boundaries: 55, 56, 63, 64 and 65 bytes agree with sha256sum")
    func boundaries() {
        // Produced with: printf 'a%.0s' $(seq N) | sha256sum
        let expected = [
            55: "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318",
            56: "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a",
            63: "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34",
            64: "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb",
            65: "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0",
        ]
        for (count, digest) in expected {
            #expect(SHA256.hex(SHA256.hash([UInt8](repeating: 0x61, count: count))) == digest, "length \(count)")
        }
    }

    @Test("feeding in uneven pieces gives the same digest as all at once")
    func streaming() {
        let message = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        var hasher = SHA256()
        var start = 0
        for size in [1, 63, 64, 65, 3, 128, 200, 476] {
            hasher.update(message[start..<(start + size)])
            start += size
        }
        #expect(start == message.count)
        #expect(hasher.finalize() == SHA256.hash(message))
    }

    @Test("a file digest matches hashing its bytes")
    func fileDigest() throws {
        let directory = try TestEnvironment.temporaryDirectory("hashing")
        defer { try? FileManager.default.removeItem(at: directory) }
        // Three and a bit reads' worth, so chunk boundaries fall inside the file.
        let bytes = (0..<(3 * SHA256.chunkSize + 4321)).map { UInt8(truncatingIfNeeded: $0 % 251) }
        let path = directory.appendingPathComponent("blob").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        #expect(try SHA256.hexDigest(ofFile: path) == SHA256.hex(SHA256.hash(bytes)))
        #expect(try SHA256.hexDigest(ofFile: path) == SHA256.hexDigest(of: bytes))
    }

    @Test("an empty file hashes to the empty message's digest")
    func emptyFile() throws {
        let directory = try TestEnvironment.temporaryDirectory("hashing")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("empty").path
        try Data().write(to: URL(fileURLWithPath: path))
        #expect(try SHA256.hexDigest(ofFile: path) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test("a missing file is an error naming it")
    func missingFile() {
        let error = #expect(throws: HashingError.self) { _ = try SHA256.hexDigest(ofFile: "/nonexistent/photo.jpg") }
        #expect(error?.file == "/nonexistent/photo.jpg")
        #expect(error?.description.hasPrefix("/nonexistent/photo.jpg: cannot open for hashing: ") == true)
    }
}
