#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An output image and its XMP sidecar, which must appear together: both are written to
/// temporaries first, and only when both are complete are they renamed into place. Any failure
/// before that — a write, an fsync, the first rename — removes both temporaries, so there is
/// never an output without its sidecar.
///
/// The renames go sidecar first, then image. A crash between them leaves a sidecar whose image
/// is missing (or, when replacing, is the previous one): the job was never recorded as done,
/// so the daemon runs it again and rewrites both, and a sidecar `X.xmp` without `X` is easy to
/// recognise. The other order could leave a complete-looking image with no provenance, which
/// nothing would notice. If the image's rename itself fails, the sidecar just renamed is
/// unlinked again (a previous sidecar it replaced is gone by then; the previous image stays).
public final class PairedCommit {
    /// The image; `ImageWriter(into:)` encodes into it.
    public let output: PendingFile
    public let sidecar: PendingFile

    /// Creates both temporaries, each in its destination's folder, with the same `mode`
    /// (see `PendingFile.init(replacing:mode:)`). Fails at once if either name cannot exist.
    public init(output outputPath: String, sidecar sidecarPath: String, mode: mode_t = 0o644) throws(StorageError) {
        let sidecar = try PendingFile(replacing: sidecarPath, mode: mode)
        output = try PendingFile(replacing: outputPath, mode: mode)
        self.sidecar = sidecar
    }

    deinit {
        discard()
    }

    /// Makes both files appear (sidecar, then image), or — on any failure — neither.
    public func commit() throws(StorageError) {
        do throws(StorageError) {
            try output.flush()
            try sidecar.flush()
            try sidecar.moveIntoPlace()
        } catch {
            discard()
            throw error
        }
        do throws(StorageError) {
            try output.moveIntoPlace()
        } catch {
            unlink(sidecar.path)
            sidecar.finishCommit()
            throw error
        }
        sidecar.finishCommit()
        output.finishCommit()
    }

    /// Removes whatever has not been committed.
    public func discard() {
        output.discard()
        sidecar.discard()
    }
}

@available(*, unavailable)
extension PairedCommit: Sendable {}
