/// Cleaning up after a dead writer removes its temporaries and nothing else.
import Foundation
import Storage
import Testing

@Suite("Stale temporaries")
struct StaleTemporariesTests {
    @Test("a dead writer's temporary is removed; other files, hidden or not, never are")
    func onlyOurs() throws {
        let folder = try TemporaryFolder()
        let leftover = TemporaryName.make()
        try folder.write("partial", to: leftover)
        let others = ["photo.png", "photo.png.xmp", ".photo.png.partial-1f2e", ".enh-notours.tmp",
                      "upload.tmp", ".hidden"]
        for name in others { try folder.write("keep", to: name) }
        #expect(StaleTemporaries.remove(in: folder.path) == [leftover])
        #expect(try folder.contents() == others.sorted())
    }

    @Test("a live writer's temporary in this process is kept")
    func liveInProcess() throws {
        let folder = try TemporaryFolder()
        let file = try PendingFile(replacing: folder.file("out.png"))
        #expect(StaleTemporaries.remove(in: folder.path).isEmpty)
        try file.write([1])
        try file.commit()
        #expect(try folder.contents() == ["out.png"])
    }

    @Test("a temporary another process holds locked is kept until that process is gone")
    func liveInAnotherProcess() throws {
        let folder = try TemporaryFolder()
        let name = TemporaryName.make()
        let path = try folder.write("busy", to: name)
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/flock")
        // flock(1) takes the lock on a descriptor of its own, as a PendingFile does, and (no fork)
        // becomes the sleep that holds it, so terminating it is the writer dying.
        holder.arguments = ["--exclusive", "--no-fork", path, "sleep", "30"]
        try holder.run()
        // SIGKILL, as when the daemon is killed mid-job (and SIGTERM may be ignored in a test run).
        defer { if holder.isRunning { kill(holder.processIdentifier, SIGKILL) } }
        // Until flock(1) holds the lock, it is not a live writer yet: wait for it.
        let deadline = Date().addingTimeInterval(5)
        while !isLocked(path), Date() < deadline { usleep(20_000) }
        #expect(isLocked(path))
        #expect(StaleTemporaries.remove(in: folder.path).isEmpty)
        kill(holder.processIdentifier, SIGKILL)
        holder.waitUntilExit()
        #expect(StaleTemporaries.remove(in: folder.path) == [name])
        #expect(try folder.contents().isEmpty)
    }

    @Test("a missing or unreadable folder is no error")
    func missingFolder() {
        #expect(StaleTemporaries.remove(in: "/nonexistent/storage-tests").isEmpty)
    }

    private func isLocked(_ path: String) -> Bool {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        defer { close(fd) }
        return flock(fd, LOCK_EX | LOCK_NB) != 0
    }
}
