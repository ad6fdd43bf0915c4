/// An element of a parsed document, mutable in place: the XMP merge edits the source's own tree,
/// so everything it does not touch (unknown namespaces, their prefixes, whitespace) is written
/// back as it came. Owned by whoever parsed it; not shared between threads.
public final class DOMElement {
    public var name: QualifiedName
    public var attributes: [DOMAttribute]
    /// The `xmlns:p="uri"` declarations written on this element (prefix "" for the default one).
    public var namespaceDeclarations: [(prefix: String, uri: String)]
    public var children: [DOMNode]
    public private(set) weak var parent: DOMElement?

    public init(_ name: QualifiedName, attributes: [DOMAttribute] = [], children: [DOMNode] = []) {
        self.name = name
        self.attributes = attributes
        self.namespaceDeclarations = []
        self.children = []
        for child in children { append(child) }
    }

    public func append(_ node: DOMNode) {
        if case .element(let element) = node { element.parent = self }
        children.append(node)
    }

    public func append(_ element: DOMElement) { append(.element(element)) }

    public var elements: [DOMElement] {
        children.compactMap { if case .element(let e) = $0 { e } else { nil } }
    }

    public func elements(named name: QualifiedName) -> [DOMElement] { elements.filter { $0.name == name } }

    public func firstElement(named name: QualifiedName) -> DOMElement? { elements.first { $0.name == name } }

    public func removeElements(named name: QualifiedName) {
        children.removeAll { if case .element(let e) = $0 { e.name == name } else { false } }
    }

    /// The concatenated character data directly inside this element.
    public var text: String {
        children.map { if case .text(let t) = $0 { t } else { "" } }.joined()
    }

    /// Replaces every child with `text`.
    public func setText(_ text: String) { children = [.text(text)] }

    public func attribute(_ name: QualifiedName) -> String? { attributes.first { $0.name == name }?.value }

    public func setAttribute(_ name: QualifiedName, _ value: String) {
        if let i = attributes.firstIndex(where: { $0.name == name }) {
            attributes[i].value = value
        } else {
            attributes.append(DOMAttribute(name, value))
        }
    }

    public func removeAttribute(_ name: QualifiedName) { attributes.removeAll { $0.name == name } }

    /// The prefix bound to `uri` here or on an ancestor, if any binding is still visible (not
    /// shadowed by a nearer declaration of the same prefix for another URI).
    public func prefix(for uri: String) -> String? {
        var shadowed: Set<String> = []
        var element: DOMElement? = self
        while let e = element {
            for declaration in e.namespaceDeclarations where !shadowed.contains(declaration.prefix) {
                if declaration.uri == uri { return declaration.prefix }
                shadowed.insert(declaration.prefix)
            }
            element = e.parent
        }
        return nil
    }

    /// The URI `prefix` is bound to here, or nil.
    public func uri(for prefix: String) -> String? {
        var element: DOMElement? = self
        while let e = element {
            if let declaration = e.namespaceDeclarations.first(where: { $0.prefix == prefix }) { return declaration.uri }
            element = e.parent
        }
        return nil
    }

    /// Makes `name`'s namespace usable on this element and below, declaring it here when no
    /// visible binding exists (under its preferred prefix, or a numbered one when that prefix is
    /// taken), and returns the name with the prefix it must be written with.
    public func bind(_ name: QualifiedName) -> QualifiedName {
        var bound = name
        if name.namespace == QualifiedName.xmlNamespace { bound.prefix = "xml"; return bound }
        if let prefix = prefix(for: name.namespace), !prefix.isEmpty {
            bound.prefix = prefix
            return bound
        }
        var candidate = name.prefix.isEmpty ? "ns" : name.prefix
        var n = 1
        while uri(for: candidate) != nil {
            n += 1
            candidate = (name.prefix.isEmpty ? "ns" : name.prefix) + "\(n)"
        }
        namespaceDeclarations.append((candidate, name.namespace))
        bound.prefix = candidate
        return bound
    }
}

public struct DOMAttribute {
    public var name: QualifiedName
    public var value: String

    public init(_ name: QualifiedName, _ value: String) {
        self.name = name
        self.value = value
    }
}

extension QualifiedName {
    /// The `xml:` namespace (xml:lang), bound in every document without a declaration.
    public static let xmlNamespace = "http://www.w3.org/XML/1998/namespace"
}
