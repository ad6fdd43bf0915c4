/// Named watch roots: `[[watch.root]]` tables and `roots = [...]` (named after their folders),
/// apart or together, with one clear error for each mistake; and the map from a job's root name
/// and relative path to this host's path and back.
import Common
import Foundation
import Testing
import Configuration
import TestSupport

@Suite("Watch roots")
struct WatchRootConfigurationTests {
    /// The configuration tests' own reading: /etc/enhance/test.toml, relative paths from /etc/enhance.
    let configuration = ConfigurationTests()

    func parse(_ text: String) throws(ConfigurationError) -> DaemonConfiguration { try configuration.parse(text) }

    func error(_ text: String) -> String { configuration.error(text) }

    @Test("roots = [...] still works: each root is named after its folder's last component")
    func listNamedByDefault() throws {
        let c = try parse("[watch]\nroots = [\"/mnt/archive/family\", \"scans/\"]")
        #expect(c.watchRoots == [WatchRoot(name: "family", path: "/mnt/archive/family"),
                                 WatchRoot(name: "scans", path: "/etc/enhance/scans")])
        #expect(c.roots == ["/mnt/archive/family", "/etc/enhance/scans"])
    }

    @Test("two hosts mounting one share at different places name its root alike by default")
    func hostsAgree() throws {
        let a = try parse("[watch]\nroots = [\"/mnt/archive/family\"]")
        let b = try parse("[watch]\nroots = [\"/srv/nfs/family\"]")
        #expect(a.watchRoots[0].name == b.watchRoots[0].name)
    }

    @Test("[[watch.root]] tables give each root a name and a path; relative paths start at the file's folder")
    func tables() throws {
        let c = try parse("""
            [watch]
            settle_delay = 1
            [[watch.root]]
            name = "family"   # the name jobs store
            path = "/mnt/archive/family"
            [[watch.root]]
            path = "incoming"
            [workers]
            count = 1
            """)
        #expect(c.watchRoots == [WatchRoot(name: "family", path: "/mnt/archive/family"),
                                 WatchRoot(name: "incoming", path: "/etc/enhance/incoming")])
        #expect(c.settleDelay == 1 && c.workers == 1, "a [table] after the array of tables is read as before")
    }

    @Test("both forms together: the list's roots first, then the tables', when every name is unique")
    func bothForms() throws {
        let c = try parse("[watch]\nroots = [\"/in\"]\n[[watch.root]]\nname = \"family\"\npath = \"/mnt/f\"")
        #expect(c.watchRoots == [WatchRoot(name: "in", path: "/in"), WatchRoot(name: "family", path: "/mnt/f")])
    }

    @Test("mistakes in roots are one clear error naming the key, and duplicate names name both paths", arguments: [
        ("[watch]\nroots = [\"/a/family\", \"/b/family\"]",
         "test.toml: watch.roots: two roots are named \"family\": /a/family and /b/family"),
        ("[watch]\nroots = [\"/a/family\"]\n[[watch.root]]\nname = \"family\"\npath = \"/b/photos\"",
         "watch.root[1].name: two roots are named \"family\": /a/family and /b/photos"),
        ("[[watch.root]]\nname = \"x\"\npath = \"/a\"\n[[watch.root]]\nname = \"x\"\npath = \"/b\"",
         "watch.root[2].name: two roots are named \"x\": /a and /b"),
        ("[[watch.root]]\nname = \"family\"", "watch.root[1]: needs path = \"/the/folder\""),
        ("[[watch.root]]\npath = \"/a\"\nfolder = \"/b\"", "watch.root[1].folder: unknown key"),
        ("[[watch.root]]\nname = \"a/b\"\npath = \"/a\"", "watch.root[1].name: is a name, not a path"),
        ("[[watch.root]]\nname = \"\"\npath = \"/a\"", "watch.root[1].name: must not be empty"),
        ("[[watch.root]]\nname = 3\npath = \"/a\"", "watch.root[1].name: expected a string, got an integer"),
        ("[watch]\nroot = \"/a\"", "watch.root: expected [[watch.root]] tables, got a string"),
        ("[watch]\nroots = []", "watch.roots: must name at least one folder"),
    ])
    func mistakes(text: String, expected: String) {
        let message = error(text)
        #expect(message.contains(expected), "\(message)")
        #expect(!message.contains("\n"))
    }

    @Test("[[x.y]] headers: each starts a new table of the array x.y; misuse is an error naming the line", arguments: [
        ("[[watch.root]]\npath = \"/a\"\npath = \"/b\"", "line 3: key path defined twice in this [[watch.root]] table"),
        ("[[watch.root]]\npath = \"/a\"\n[watch.root.extra]\nx = 1", "line 3: [watch.root.extra] inside the array of tables [[watch.root]] is not supported"),
        ("[watch.root]\npath = \"/a\"\n[[watch.root]]", "line 3: [[watch.root]]: watch.root is already a table"),
        ("[[watch.root]]\npath = \"/a\"\n[watch.root]", "line 3: table [watch.root]: watch.root is already an array of tables"),
        ("[watch]\nroot = 1\n[[watch.root]]", "line 3: [[watch.root]]: watch.root is already a key"),
        ("[[watch.root]\npath = \"/a\"", "line 1: expected ]] to close the table header [[watch.root"),
    ])
    func arrayTableMistakes(text: String, expected: String) {
        let message = error(text)
        #expect(message.contains(expected), "\(message)")
    }

    @Test("the parser keeps an array of tables as its tables, in order, each with its own keys")
    func parserShape() throws {
        let table = try TOMLParser.parse("[[a.b]]\nx = 1\ny.z = \"s\"\n[[a.b]]\n[[a.b]]\nx = 2\n[c]\nd = true")
        #expect(table["a.b"] == .tables([["x": .integer(1), "y.z": .string("s")], [:], ["x": .integer(2)]]))
        #expect(table["c.d"] == .boolean(true))
    }

    @Test("a root map finds the root and relative path of a file, and this host's path of a job's file")
    func rootMap() throws {
        let map = RootMap([WatchRoot(name: "family", path: "/mnt/archive/family"), WatchRoot(name: "scans", path: "/scans")])
        #expect(map.place(of: "/mnt/archive/family/2019/cat.jpg") == .init(rootName: "family", relativePath: "2019/cat.jpg"))
        #expect(map.place(of: "/mnt/archive/familyalbum/cat.jpg") == nil, "a sibling folder with the root's name as a prefix is outside it")
        #expect(map.place(of: "/elsewhere/cat.jpg") == nil)
        #expect(map.path(of: .init(rootName: "scans", relativePath: "a/b.png")) == "/scans/a/b.png")
        #expect(map.path(of: .init(rootName: "work", relativePath: "a.png")) == nil, "a root this host does not have")
    }

    @Test("a path through a symlink to a root is placed under that root")
    func rootMapThroughLink() throws {
        let directory = try TestEnvironment.temporaryDirectory("rootmap")
        defer { try? FileManager.default.removeItem(at: directory) }
        let share = directory.appendingPathComponent("share/family")
        try FileManager.default.createDirectory(at: share.appendingPathComponent("2019"), withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: share.appendingPathComponent("2019/cat.jpg").path, contents: Data([1]))
        let link = directory.appendingPathComponent("mounted")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: share)
        let map = RootMap([WatchRoot(name: "family", path: share.path)])
        #expect(map.place(of: link.path + "/2019/cat.jpg") == .init(rootName: "family", relativePath: "2019/cat.jpg"))
    }
}
