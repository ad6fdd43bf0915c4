/// Configuration: the daemon's settings, read from a TOML file (or the embedded default),
/// validated with errors that name the key, and shared by `enhanced` and `enhance-ctl`.
///
/// A TOML value of the kinds our configuration uses.
public enum TOMLValue: Sendable, Equatable, CustomStringConvertible {
    case string(String)
    case integer(Int)
    case float(Double)
    case boolean(Bool)
    case array([TOMLValue])
    /// An array of tables (`[[watch.root]]` headers), each a flat table of its dotted keys.
    case tables([[String: TOMLValue]])

    var isTables: Bool {
        if case .tables = self { return true }
        return false
    }

    public var kindName: String {
        switch self {
        case .string: "a string"
        case .integer: "an integer"
        case .float: "a number"
        case .boolean: "a boolean"
        case .array: "an array"
        case .tables: "an array of tables"
        }
    }

    public var description: String {
        switch self {
        case .string(let s): "\"\(s)\""
        case .integer(let i): String(i)
        case .float(let d): String(d)
        case .boolean(let b): String(b)
        case .array(let a): "[" + a.map(\.description).joined(separator: ", ") + "]"
        case .tables(let t): "\(t.count) [[…]] table(s)"
        }
    }
}
