/// `[state] backend`, `url`, `password_file` and `[node] name`: SQLite by default, a PostgreSQL
/// URL checked by libpq when the file is read, never a password in it.
import Testing
import Configuration

@Suite("State configuration")
struct StateConfigurationTests {
    func parse(_ text: String) throws(ConfigurationError) -> DaemonConfiguration {
        try DaemonConfiguration.parse("[watch]\nroots = [\"/in\"]\n" + text, file: "/etc/enhance/test.toml",
                                      baseDirectory: "/etc/enhance")
    }

    func error(_ text: String) -> String {
        do {
            _ = try parse(text)
            return "no error"
        } catch {
            return error.description
        }
    }

    @Test("SQLite is the default; the node is named after the host unless told")
    func defaults() throws {
        let c = try parse("")
        #expect(c.backend == .sqlite && c.stateURL == nil && c.queueLocation == c.database)
        #expect(c.nodeName == DaemonConfiguration.defaultNodeName && !c.nodeName.isEmpty)
    }

    @Test("PostgreSQL with a URL or a conninfo string, a password file and a node name")
    func postgresql() throws {
        let c = try parse("""
            [state]
            backend = "postgresql"
            url = "postgresql://enhance@db.example:5433/queue"
            password_file = "pgpass"
            [node]
            name = "scan-1"
            """)
        #expect(c.backend == .postgresql && c.passwordFile == "/etc/enhance/pgpass" && c.nodeName == "scan-1")
        #expect(c.queueLocation == "postgresql://enhance@db.example:5433/queue")
        let k = try parse("[state]\nbackend = \"postgresql\"\nurl = \"host=/run/pg dbname=queue user=enhance\"")
        #expect(k.queueLocation == "postgresql://enhance@[/run/pg]/queue")
    }

    @Test("one clear error per mistake: no URL, a URL libpq cannot parse, a password in it, a bad node name")
    func mistakes() {
        #expect(error("[state]\nbackend = \"postgresql\"") ==
                "/etc/enhance/test.toml: state.url: is required when state.backend = \"postgresql\"")
        #expect(error("[state]\nbackend = \"postgresql\"\nurl = \"host=db nonsense\"")
                    .hasPrefix("/etc/enhance/test.toml: state.url: missing \"=\" after \"nonsense\""))
        let withPassword = error("[state]\nbackend = \"postgresql\"\nurl = \"postgresql://enhance:s3cret@db/queue\"")
        #expect(withPassword.hasPrefix("/etc/enhance/test.toml: state.url: must not contain a password"))
        #expect(!withPassword.contains("s3cret"), "the password is not repeated in the error")
        #expect(error("[state]\nurl = \"postgresql://db/queue\"").contains("state.url: is for backend = \"postgresql\""))
        #expect(error("[state]\nbackend = \"mysql\"").contains("state.backend: must be one of \"sqlite\", \"postgresql\""))
        #expect(error("[node]\nname = \"a/b\"") == "/etc/enhance/test.toml: node.name: must not contain \"/\" or spaces, got \"a/b\"")
    }
}
