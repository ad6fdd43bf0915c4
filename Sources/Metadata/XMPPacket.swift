/// An XMP packet as a tree that can be read and edited property by property, and written back
/// with everything it held: the merge starts from the source's own packet, so namespaces it does
/// not know (Lightroom, digiKam, MicrosoftPhoto…) pass through untouched.
///
/// A property may be stored in either RDF spelling: as an attribute of an `rdf:Description`
/// (`xmp:Rating="3"`) or as a child element (`<xmp:Rating>3</xmp:Rating>`), in any of the
/// packet's Descriptions. Reads look at both; an edit of a simple value keeps the spelling it
/// found; new properties go into the first Description as elements.
public final class XMPPacket {
    /// `x:xmpmeta`, or `rdf:RDF` itself for a packet written without the wrapper.
    private let root: DOMElement
    private let rdf: DOMElement

    public enum Container: String, Sendable { case bag = "Bag", seq = "Seq", alt = "Alt" }

    /// Parses `bytes`; throws when they are not well-formed XML or not XMP (no `rdf:RDF`).
    public init(parsing bytes: [UInt8]) throws(XMPError) {
        let top = try XMLParsing.parse(bytes)
        if top.name == .rdf("RDF") {
            rdf = top
        } else if top.name == XMPNamespace.name(XMPNamespace.x, "xmpmeta"), let found = top.firstElement(named: .rdf("RDF")) {
            rdf = found
        } else {
            throw XMPError("the root element is <\(top.name)>, not x:xmpmeta with rdf:RDF inside")
        }
        root = top
    }

    /// A packet with one empty `rdf:Description`, written by `toolkit`.
    public init(toolkit: String) {
        root = DOMElement(XMPNamespace.name(XMPNamespace.x, "xmpmeta"))
        root.namespaceDeclarations = [("x", XMPNamespace.x)]
        root.attributes = [DOMAttribute(XMPNamespace.name(XMPNamespace.x, "xmptk"), toolkit)]
        rdf = DOMElement(.rdf("RDF"))
        rdf.namespaceDeclarations = [("rdf", XMPNamespace.rdf)]
        Self.appendIndented(rdf, to: root)
        let description = DOMElement(.rdf("Description"), attributes: [DOMAttribute(.rdf("about"), "")])
        Self.appendIndented(description, to: rdf)
    }

    /// The packet, wrapped in `<?xpacket?>` processing instructions, as UTF-8.
    public var bytes: [UInt8] {
        var text = "<?xpacket begin=\"\u{FEFF}\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n"
        XMLSerialization.write(root, into: &text)
        text += "\n<?xpacket end=\"w\"?>\n"
        return Array(text.utf8)
    }

    // MARK: Reading

    private var descriptions: [DOMElement] { rdf.elements(named: .rdf("Description")) }

    /// Where a property is stored: an attribute of a Description, or an element in one.
    private enum Location {
        case attribute(DOMElement)
        case element(DOMElement)
    }

    private func locate(_ property: QualifiedName) -> Location? {
        for description in descriptions {
            if description.attribute(property) != nil { return .attribute(description) }
            if let element = description.firstElement(named: property) { return .element(element) }
        }
        return nil
    }

    public func contains(_ property: QualifiedName) -> Bool { locate(property) != nil }

    /// A simple property's text (an element's `rdf:resource` counts as its value), or nil when
    /// the property is absent or structured.
    public func value(_ property: QualifiedName) -> String? {
        switch locate(property) {
        case .attribute(let description): return description.attribute(property)
        case .element(let element):
            if let resource = element.attribute(.rdf("resource")) { return resource }
            return element.elements.isEmpty ? element.text : nil
        case nil: return nil
        }
    }

    /// The items of an array property (Bag, Seq or Alt), each its `rdf:li`'s text.
    public func items(_ property: QualifiedName) -> [String] {
        guard case .element(let element) = locate(property) else { return [] }
        return element.elements.flatMap { $0.elements(named: .rdf("li")) }.map(\.text)
    }

    // MARK: Editing

    /// Sets a simple property, in the spelling the packet already uses for it.
    public func setValue(_ property: QualifiedName, _ value: String) {
        switch locate(property) {
        case .attribute(let description):
            description.setAttribute(property, value)
        case .element(let element):
            element.removeAttribute(.rdf("resource"))
            element.removeAttribute(.rdf("parseType"))
            element.setText(value)
        case nil:
            let description = primaryDescription
            let element = DOMElement(description.bind(property))
            element.setText(value)
            Self.appendIndented(element, to: description)
        }
    }

    /// Sets a simple property only when the packet already has it (sizes, orientation).
    public func updateValue(_ property: QualifiedName, _ value: String) {
        if contains(property) { setValue(property, value) }
    }

    public func remove(_ property: QualifiedName) {
        for description in descriptions {
            description.removeAttribute(property)
            description.removeElements(named: property)
        }
    }

    /// Replaces a property with a structure (`rdf:parseType="Resource"`) of simple fields.
    public func setStructure(_ property: QualifiedName, fields: [(QualifiedName, String)]) {
        remove(property)
        let description = primaryDescription
        let element = DOMElement(description.bind(property))
        element.attributes = [DOMAttribute(description.bind(.rdf("parseType")), "Resource")]
        Self.appendIndented(element, to: description)
        for (name, value) in fields {
            let field = DOMElement(description.bind(name))
            field.setText(value)
            Self.appendIndented(field, to: element)
        }
    }

    /// Adds a structure of simple fields as the last item of an array property, creating the
    /// property (as a `container`) when absent. Existing items stay as they are.
    public func appendStructure(_ property: QualifiedName, container: Container, fields: [(QualifiedName, String)]) {
        let array = arrayElement(property, container: container)
        let item = DOMElement(array.bind(.rdf("li")))
        item.attributes = [DOMAttribute(array.bind(.rdf("parseType")), "Resource")]
        Self.appendIndented(item, to: array)
        let scope = Self.description(around: array)
        for (name, value) in fields {
            let field = DOMElement(scope.bind(name))
            field.setText(value)
            Self.appendIndented(field, to: item)
        }
    }

    /// Replaces a property with an array of text items; an `alt` array's items are tagged
    /// `xml:lang="x-default"`, as language alternatives must be.
    public func setArray(_ property: QualifiedName, container: Container, items: [String]) {
        remove(property)
        let array = arrayElement(property, container: container)
        for text in items {
            let item = DOMElement(array.bind(.rdf("li")))
            if container == .alt { item.attributes = [DOMAttribute(array.bind(XMPPacket.xmlLang), "x-default")] }
            item.setText(text)
            Self.appendIndented(item, to: array)
        }
    }

    static let xmlLang = QualifiedName(QualifiedName.xmlNamespace, "lang", prefix: "xml")

    /// The `rdf:Bag`/`Seq`/`Alt` inside `property`, created with the property when missing.
    private func arrayElement(_ property: QualifiedName, container: Container) -> DOMElement {
        let holder: DOMElement
        if case .element(let element) = locate(property) {
            holder = element
        } else {
            remove(property)   // an attribute spelling cannot hold an array
            let description = primaryDescription
            holder = DOMElement(description.bind(property))
            Self.appendIndented(holder, to: description)
        }
        let kinds = [Container.bag, .seq, .alt].map { QualifiedName.rdf($0.rawValue) }
        if let existing = holder.elements.first(where: { kinds.contains($0.name) }) { return existing }
        let array = DOMElement(holder.bind(.rdf(container.rawValue)))
        holder.children.removeAll()
        Self.appendIndented(array, to: holder)
        return array
    }

    /// Where new properties go: the first Description (one is made when the packet has none).
    private var primaryDescription: DOMElement {
        if let first = descriptions.first { return first }
        let description = DOMElement(rdf.bind(.rdf("Description")))
        Self.appendIndented(description, to: rdf)
        description.attributes = [DOMAttribute(description.bind(.rdf("about")), "")]
        return description
    }

    /// The Description an element lies in, where the namespaces of new fields are declared
    /// (beside the properties' own, rather than on every nested element).
    private static func description(around element: DOMElement) -> DOMElement {
        var current = element
        while current.name != .rdf("Description"), let parent = current.parent { current = parent }
        return current
    }

    /// Appends `child` on a new line indented by its depth, so a person can still read the
    /// packet; the parent's closing tag moves to a line of its own.
    private static func appendIndented(_ child: DOMElement, to parent: DOMElement) {
        var depth = 0
        var ancestor: DOMElement? = parent
        while let a = ancestor { depth += 1; ancestor = a.parent }
        let indent = "\n" + String(repeating: " ", count: depth)
        let closing = "\n" + String(repeating: " ", count: depth - 1)
        if case .text(let last)? = parent.children.last, last.allSatisfy(\.isWhitespace) { parent.children.removeLast() }
        parent.append(.text(indent))
        parent.append(child)
        parent.append(.text(closing))
    }
}
