/// An XML name as namespaces define it: two names are the same when their namespace URI and local
/// part are, whatever prefix each document happened to bind (`dc:subject` and `purl:subject` can
/// be one property).
public struct QualifiedName: Sendable, Hashable, CustomStringConvertible {
    /// The namespace URI; "" for an unqualified name.
    public var namespace: String
    public var local: String
    /// The prefix this name was written with, or should preferably be written with. Not part of
    /// its identity.
    public var prefix: String

    public init(_ namespace: String, _ local: String, prefix: String) {
        self.namespace = namespace
        self.local = local
        self.prefix = prefix
    }

    public static func == (a: QualifiedName, b: QualifiedName) -> Bool {
        a.namespace == b.namespace && a.local == b.local
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(namespace)
        hasher.combine(local)
    }

    public var description: String { prefix.isEmpty ? local : prefix + ":" + local }
}
