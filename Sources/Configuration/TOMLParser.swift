/// The subset of TOML 1.0 a configuration file needs: comments, `[table]` and `[a.b]` headers,
/// arrays of tables (`[[a.b]]`: each header appends a new table to the array `a.b`, and the
/// keys after it are that table's), `key = value` with bare, quoted or dotted keys, basic and
/// literal strings, integers, floats, booleans, and arrays (which may span lines). Dates,
/// inline tables, sub-tables of an array's table (`[a.b.c]` after `[[a.b]]`) and multi-line
/// strings are refused with a clear message rather than misread. Our own parser, not a
/// dependency: the whole grammar we accept is in this file.
import Foundation

public enum TOMLParser {
    /// Parses `text` into a flat table of dotted keys ("watch.roots") → values; an array of
    /// tables is one entry ("watch.root" → `.tables`) whose tables are flat in the same way.
    public static func parse(_ text: String) throws(ConfigurationError) -> [String: TOMLValue] {
        var cursor = Cursor(Array(text.unicodeScalars))
        var table: [String] = []
        /// The array of tables the keys now go to (after a `[[…]]` header), by its dotted name.
        var arrayTable: String?
        var result: [String: TOMLValue] = [:]
        var seenTables: Set<String> = []
        while true {
            cursor.skipWhitespaceAndComments(newlines: true)
            guard let c = cursor.peek else { break }
            if c == "[" {
                cursor.advance()
                let isArray = cursor.peek == "["
                if isArray { cursor.advance() }
                cursor.skipBlanks()
                table = try cursor.key()
                cursor.skipBlanks()
                let name = table.joined(separator: ".")
                let close = isArray ? "]]" : "]"
                for _ in 0..<close.count {
                    guard cursor.peek == "]" else { throw cursor.error("expected \(close) to close the table header [\(isArray ? "[" : "")\(name)") }
                    cursor.advance()
                }
                if let open = result.keys.first(where: { result[$0]?.isTables == true && name.hasPrefix($0 + ".") }) {
                    throw cursor.error("[\(name)] inside the array of tables [[\(open)]] is not supported")
                }
                if isArray {
                    guard !seenTables.contains(name) else { throw cursor.error("[[\(name)]]: \(name) is already a table") }
                    switch result[name] {
                    case nil: result[name] = .tables([[:]])
                    case .tables(let tables)?: result[name] = .tables(tables + [[:]])
                    case _?: throw cursor.error("[[\(name)]]: \(name) is already a key")
                    }
                    arrayTable = name
                } else {
                    if result[name]?.isTables == true { throw cursor.error("table [\(name)]: \(name) is already an array of tables [[\(name)]]") }
                    guard seenTables.insert(name).inserted else { throw cursor.error("table [\(name)] defined twice") }
                    arrayTable = nil
                }
            } else {
                let relative = try cursor.key()
                cursor.skipBlanks()
                let key = table + relative
                guard cursor.peek == "=" else { throw cursor.error("expected = after the key \(key.joined(separator: "."))") }
                cursor.advance()
                cursor.skipBlanks()
                let value = try cursor.value()
                if let arrayTable, case .tables(var tables)? = result[arrayTable] {
                    let name = relative.joined(separator: ".")
                    guard tables[tables.count - 1][name] == nil else {
                        throw cursor.error("key \(name) defined twice in this [[\(arrayTable)]] table")
                    }
                    tables[tables.count - 1][name] = value
                    result[arrayTable] = .tables(tables)
                } else {
                    let name = key.joined(separator: ".")
                    guard result[name] == nil else { throw cursor.error("key \(name) defined twice") }
                    result[name] = value
                }
            }
            cursor.skipBlanks()
            if cursor.peek == "#" { cursor.skipComment() }
            if let c = cursor.peek, c != "\n", c != "\r" { throw cursor.error("unexpected text after the value") }
        }
        return result
    }

    struct Cursor {
        let scalars: [Unicode.Scalar]
        var index = 0
        var line = 1

        init(_ scalars: [Unicode.Scalar]) { self.scalars = scalars }

        var peek: Unicode.Scalar? { index < scalars.count ? scalars[index] : nil }

        mutating func advance() {
            if peek == "\n" { line += 1 }
            index += 1
        }

        func error(_ message: String) -> ConfigurationError {
            ConfigurationError(key: nil, message: "line \(line): \(message)")
        }

        mutating func skipBlanks() {
            while let c = peek, c == " " || c == "\t" { advance() }
        }

        mutating func skipComment() {
            while let c = peek, c != "\n" { advance() }
        }

        mutating func skipWhitespaceAndComments(newlines: Bool) {
            while let c = peek {
                if c == " " || c == "\t" || (newlines && (c == "\n" || c == "\r")) { advance() }
                else if c == "#" { skipComment() }
                else { break }
            }
        }

        /// A bare, quoted or dotted key, as its parts.
        mutating func key() throws(ConfigurationError) -> [String] {
            var parts: [String] = []
            while true {
                skipBlanks()
                if peek == "\"" || peek == "'" {
                    guard case .string(let s) = try value() else { throw error("bad quoted key") }
                    parts.append(s)
                } else {
                    var part = ""
                    while let c = peek, ("a"..."z").contains(c) || ("A"..."Z").contains(c)
                            || c == "_" || c == "-" || ("0"..."9").contains(c) {
                        part.unicodeScalars.append(c)
                        advance()
                    }
                    guard !part.isEmpty else { throw error("expected a key") }
                    parts.append(part)
                }
                skipBlanks()
                guard peek == "." else { return parts }
                advance()
            }
        }

        mutating func value() throws(ConfigurationError) -> TOMLValue {
            guard let c = peek else { throw error("expected a value") }
            switch c {
            case "\"":
                advance()
                if peek == "\"" && index + 1 < scalars.count && scalars[index + 1] == "\"" {
                    throw error("multi-line strings are not supported")
                }
                return .string(try basicString())
            case "'":
                advance()
                var s = ""
                while let c = peek, c != "'" {
                    guard c != "\n" else { throw error("unterminated string") }
                    s.unicodeScalars.append(c)
                    advance()
                }
                guard peek == "'" else { throw error("unterminated string") }
                advance()
                return .string(s)
            case "[":
                advance()
                var items: [TOMLValue] = []
                while true {
                    skipWhitespaceAndComments(newlines: true)
                    if peek == "]" { advance(); return .array(items) }
                    items.append(try value())
                    skipWhitespaceAndComments(newlines: true)
                    if peek == "," { advance(); continue }
                    guard peek == "]" else { throw error("expected , or ] in the array") }
                }
            case "{":
                throw error("inline tables are not supported; use a [table] header")
            default:
                var word = ""
                while let c = peek, !" \t\r\n,]#".unicodeScalars.contains(c) {
                    word.unicodeScalars.append(c)
                    advance()
                }
                if word == "true" { return .boolean(true) }
                if word == "false" { return .boolean(false) }
                let digits = word.replacingOccurrences(of: "_", with: "")
                if let i = Int(digits) { return .integer(i) }
                if word == "inf" || word == "+inf" { return .float(.infinity) }
                if digits.contains(where: { "0123456789".contains($0) }), let d = Double(digits) { return .float(d) }
                if word.isEmpty { throw error("expected a value") }
                throw error("cannot read the value \(word) (strings need quotes)")
            }
        }

        /// The rest of a "…" string, escapes decoded.
        mutating func basicString() throws(ConfigurationError) -> String {
            var s = ""
            while let c = peek {
                advance()
                switch c {
                case "\"":
                    return s
                case "\n":
                    throw error("unterminated string")
                case "\\":
                    guard let e = peek else { throw error("unterminated string") }
                    advance()
                    switch e {
                    case "n": s += "\n"
                    case "t": s += "\t"
                    case "r": s += "\r"
                    case "\\": s += "\\"
                    case "\"": s += "\""
                    case "u", "U":
                        let length = e == "u" ? 4 : 8
                        var hex = ""
                        for _ in 0..<length {
                            guard let h = peek else { break }
                            hex.unicodeScalars.append(h)
                            advance()
                        }
                        guard let code = UInt32(hex, radix: 16), let scalar = Unicode.Scalar(code) else {
                            throw error("bad \\\(e) escape")
                        }
                        s.unicodeScalars.append(scalar)
                    default:
                        throw error("unknown escape \\\(e)")
                    }
                default:
                    s.unicodeScalars.append(c)
                }
            }
            throw error("unterminated string")
        }
    }
}
