/// A source is opened beneath its root without following links, and what is read afterwards is
/// the file that was checked.
import Foundation
import Storage
import Testing

@Suite("Secure source open")
struct SecureFileTests {
    /// A watched root with a queued photo, and a private file outside it.
    struct Scene {
        let folder: TemporaryFolder
        let root: String
        let secret: String

        init() throws {
            folder = try TemporaryFolder()
            root = try folder.makeFolder("watched")
            secret = try folder.write("root's secret", to: "private")
            try folder.write("PNG bytes", to: "watched/bait.png")
        }
    }

    @Test("a regular file beneath the root opens, and reports what fstat says")
    func opens() throws {
        let scene = try Scene()
        let file = try SecureFile.open(relativePath: "bait.png", under: scene.root)
        var s = stat()
        #expect(stat(scene.root + "/bait.png", &s) == 0)
        #expect(file.inode == UInt64(s.st_ino) && file.device == UInt64(s.st_dev))
        #expect(file.size == 9)
        #expect(file.mtimeNanoseconds == Int64(s.st_mtim.tv_sec) * 1_000_000_000 + Int64(s.st_mtim.tv_nsec))
        #expect(file.mode == s.st_mode & 0o7777)
        #expect(file.path == scene.root + "/bait.png")
        let same = try SecureFile.open(path: scene.root + "/bait.png", under: scene.root)
        #expect(same.identity == file.identity)
    }

    @Test("(a) a queued file swapped for a symlink to a private file is refused, naming the path")
    func swappedForSymlink() throws {
        let scene = try Scene()
        let queued = try SecureFile.open(relativePath: "bait.png", under: scene.root).identity
        // The attack: atomically replace the queued name by a link to a file outside the root.
        #expect(symlink(scene.secret, scene.root + "/.swap") == 0)
        #expect(rename(scene.root + "/.swap", scene.root + "/bait.png") == 0)
        let error = expectStorageFailure(.symbolicLink, naming: scene.root + "/bait.png") {
            let file = try SecureFile.open(relativePath: "bait.png", under: scene.root)
            try file.verify(matches: queued)
        }
        #expect(error?.description.contains("symbolic link") == true)
        #expect(error?.isPermanent == true)
    }

    @Test("(b) a symlinked folder on the way is refused")
    func symlinkedFolder() throws {
        let scene = try Scene()
        _ = try scene.folder.makeFolder("elsewhere")
        try scene.folder.write("outside", to: "elsewhere/photo.png")
        #expect(symlink(scene.folder.file("elsewhere"), scene.root + "/album") == 0)
        let error = expectStorageFailure(.symbolicLink, naming: scene.root + "/album/photo.png") {
            _ = try SecureFile.open(relativePath: "album/photo.png", under: scene.root)
        }
        #expect(error?.description.contains(scene.root + "/album on the way") == true)
    }

    @Test("a symlinked folder deeper down is refused too, and '..' never climbs out")
    func deeperAndDotDot() throws {
        let scene = try Scene()
        _ = try scene.folder.makeFolder("watched/2024")
        #expect(symlink(scene.folder.path, scene.root + "/2024/up") == 0)
        expectStorageFailure(.symbolicLink, naming: scene.root + "/2024/up/private") {
            _ = try SecureFile.open(relativePath: "2024/up/private", under: scene.root)
        }
        expectStorageFailure(.outsideRoot, naming: scene.root + "/../private") {
            _ = try SecureFile.open(relativePath: "../private", under: scene.root)
        }
        expectStorageFailure(.outsideRoot, naming: scene.secret) {
            _ = try SecureFile.open(path: scene.secret, under: scene.root)
        }
    }

    @Test("(c) a hard link to a file outside the root is accepted: it is that file, one inode")
    func hardLinkAccepted() throws {
        // Documented decision (SecureFile): a hard link cannot be told from the file itself,
        // archives contain them legitimately, and protected_hardlinks limits who can make one.
        let scene = try Scene()
        #expect(link(scene.secret, scene.root + "/linked.png") == 0)
        let file = try SecureFile.open(relativePath: "linked.png", under: scene.root)
        var outside = stat()
        #expect(stat(scene.secret, &outside) == 0)
        #expect(file.inode == UInt64(outside.st_ino))
        #expect(file.linkCount == 2)
        var bytes = [UInt8](repeating: 0, count: 64)
        let count = try bytes.withUnsafeMutableBytes { try file.read(into: $0, at: 0) }
        #expect(String(decoding: bytes.prefix(count), as: UTF8.self) == "root's secret")
    }

    @Test("(d) a file replaced by another regular file with the same size and mtime is detected by inode")
    func replacedByRegularFile() throws {
        let scene = try Scene()
        let path = scene.root + "/bait.png"
        let queued = try SecureFile.open(relativePath: "bait.png", under: scene.root)
        try scene.folder.write("OTHER byt", to: "watched/.replacement")
        var times = [timespec(tv_sec: 0, tv_nsec: 0), timespec(tv_sec: 0, tv_nsec: 0)]
        times[0] = timespec(tv_sec: Int(queued.mtimeNanoseconds / 1_000_000_000),
                            tv_nsec: Int(queued.mtimeNanoseconds % 1_000_000_000))
        times[1] = times[0]
        #expect(utimensat(AT_FDCWD, scene.root + "/.replacement", times, 0) == 0)
        #expect(rename(scene.root + "/.replacement", path) == 0)

        let now = try SecureFile.open(relativePath: "bait.png", under: scene.root)
        #expect(now.size == queued.size && now.mtimeNanoseconds == queued.mtimeNanoseconds)
        try now.verify(size: queued.size, mtimeSeconds: queued.identity.mtimeSeconds)  // what size/mtime alone would say
        let error = expectStorageFailure(.changed, naming: path) { try now.verify(matches: queued.identity) }
        #expect(error?.description.contains("another file") == true)
        // The descriptor opened before the swap still reads the original.
        var bytes = [UInt8](repeating: 0, count: 16)
        let count = try bytes.withUnsafeMutableBytes { try queued.read(into: $0, at: 0) }
        #expect(String(decoding: bytes.prefix(count), as: UTF8.self) == "PNG bytes")
    }

    @Test("a FIFO is refused at once instead of hanging, and so is a folder")
    func notRegular() throws {
        let scene = try Scene()
        #expect(mkfifo(scene.root + "/pipe.png", 0o644) == 0)
        expectStorageFailure(.notRegularFile, naming: scene.root + "/pipe.png") {
            _ = try SecureFile.open(relativePath: "pipe.png", under: scene.root)
        }
        _ = try scene.folder.makeFolder("watched/folder.png")
        expectStorageFailure(.notRegularFile, naming: scene.root + "/folder.png") {
            _ = try SecureFile.open(relativePath: "folder.png", under: scene.root)
        }
        expectStorageFailure(.notFound, naming: scene.root + "/gone.png") {
            _ = try SecureFile.open(relativePath: "gone.png", under: scene.root)
        }
    }

    @Test("the chunk reader yields the whole file, in order, without moving the descriptor's offset")
    func chunks() throws {
        let scene = try Scene()
        let content = (0..<10_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        try Data(content).write(to: URL(fileURLWithPath: scene.root + "/big.bin"))
        let file = try SecureFile.open(relativePath: "big.bin", under: scene.root)
        var collected: [UInt8] = []
        var sizes: [Int] = []
        try file.forEachChunk(chunkSize: 4096) { chunk in
            collected += chunk
            sizes.append(chunk.count)
        }
        #expect(collected == content)
        #expect(sizes == [4096, 4096, 1808])
        #expect(lseek(file.descriptor, 0, SEEK_CUR) == 0)
    }
}
