/// How a failed attempt is classified decides whether it is retried: a bad input never is (it
/// cannot get better), a vanished source is skipped, anything else may pass and is retried.
@testable import Daemon
import Foundation
import Imaging
import Testing

@Suite("FailureKind")
struct FailureKindTests {
    /// Every image error kind, with the class it must get. Listing them all (and checking the list
    /// is complete) makes a new kind a deliberate decision rather than a silent default.
    static let expected: [ImageError.Kind: FailureKind] = [
        .corrupt: .permanent, .truncated: .permanent, .unsupportedFormat: .permanent, .tooLarge: .permanent,
        .empty: .permanent, .invalidArgument: .permanent, .isDirectory: .permanent,
        .notFound: .sourceGone,
        .unreadable: .transient, .writeFailed: .transient, .outOfMemory: .transient,
    ]

    @Test("every ImageError kind has its class", arguments: ImageError.Kind.allCases)
    func imageErrors(kind: ImageError.Kind) throws {
        let expected = try #require(Self.expected[kind], "\(kind) is not classified by this test")
        #expect(FailureKind(ImageError(kind, path: "/in/a.png", detail: "x")) == expected)
    }

    @Test("an error that is not about the image (disk, database, output) is transient: retried")
    func otherErrors() {
        #expect(FailureKind(CocoaError(.fileWriteOutOfSpace)) == .transient)
        #expect(FailureKind(POSIXError(.EIO)) == .transient)
    }
}
