/// The values the job table stores; SQLite's dynamic types narrowed to what we use.
public enum SQLValue: Sendable, Hashable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)

    var int64: Int64? {
        switch self {
        case .integer(let v): v
        case .real(let v): Int64(v)
        default: nil
        }
    }

    var double: Double? {
        switch self {
        case .integer(let v): Double(v)
        case .real(let v): v
        default: nil
        }
    }

    var string: String? {
        if case .text(let v) = self { return v }
        return nil
    }
}

/// Swift values that bind directly as statement arguments.
protocol SQLConvertible { var sqlValue: SQLValue { get } }
extension Int: SQLConvertible { var sqlValue: SQLValue { .integer(Int64(self)) } }
extension Int64: SQLConvertible { var sqlValue: SQLValue { .integer(self) } }
extension Double: SQLConvertible { var sqlValue: SQLValue { .real(self) } }
extension String: SQLConvertible { var sqlValue: SQLValue { .text(self) } }
extension Bool: SQLConvertible { var sqlValue: SQLValue { .integer(self ? 1 : 0) } }
extension Optional: SQLConvertible where Wrapped: SQLConvertible {
    var sqlValue: SQLValue { self?.sqlValue ?? .null }
}

/// One result row, by column name.
struct Row {
    let values: [String: SQLValue]
    subscript(_ column: String) -> SQLValue { values[column] ?? .null }
    func int(_ column: String) -> Int { Int(self[column].int64 ?? 0) }
    func int64(_ column: String) -> Int64? { self[column].int64 }
    func double(_ column: String) -> Double? { self[column].double }
    func string(_ column: String) -> String? { self[column].string }
}
