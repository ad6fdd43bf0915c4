import Imaging

/// How a failed attempt is recorded: the input itself is bad (retrying cannot help), the source
/// went away (nothing to do), or something that may pass (retry with back-off).
enum FailureKind: Equatable {
    case permanent, sourceGone, transient

    init(_ error: any Error) {
        guard let image = error as? ImageError else {
            self = .transient
            return
        }
        switch image.kind {
        case .corrupt, .truncated, .unsupportedFormat, .tooLarge, .empty, .invalidArgument, .isDirectory:
            self = .permanent
        case .notFound:
            self = .sourceGone
        case .unreadable, .writeFailed, .outOfMemory:
            self = .transient
        }
    }
}
