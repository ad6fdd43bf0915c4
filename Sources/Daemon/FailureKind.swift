import Imaging
import Storage

/// How a failed attempt is recorded: the input itself is bad (retrying cannot help), the source
/// went away (nothing to do), or something that may pass (retry with back-off).
enum FailureKind: Equatable {
    case permanent, sourceGone, transient

    init(_ error: any Error) {
        if error is JobRefusal {
            self = .permanent
            return
        }
        if let storage = error as? StorageError {
            // A name that cannot exist, a symlinked or non-regular source: permanent. A source
            // that changed or vanished under the secure open: someone else's new work.
            switch storage.kind {
            case .changed, .notFound: self = .sourceGone
            default: self = storage.isPermanent ? .permanent : .transient
            }
            return
        }
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

/// A job the daemon will not do as things stand (a person's file is where its output would go):
/// retrying cannot help until someone acts, so it fails at once with this reason.
struct JobRefusal: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
