import CXML

/// The one Swift caller of libxml2 (through CXML): bytes → a `DOMElement` tree. CXML silences
/// libxml2, refuses DTDs and external entities, and fails on any error. The libxml2 document is
/// freed before this returns; nothing of it escapes.
enum XMLParsing {
    static func parse(_ bytes: [UInt8]) throws(XMPError) -> DOMElement {
        // Padding NULs after the packet (seen in files whose writers reserved space) are not XML.
        var end = bytes.count
        while end > 0, bytes[end - 1] == 0 { end -= 1 }
        guard end > 0 else { throw XMPError("the packet is empty") }
        guard end <= Int(Int32.max) else { throw XMPError("the packet is too large (\(end) bytes)") }
        var status = cxml_status()
        let document = bytes.withUnsafeBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: end) {
                cxml_parse($0, Int32(end), &status)
            }
        }
        guard let document else {
            let message = withUnsafeBytes(of: &status.message) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            throw XMPError(status.line > 0 ? "line \(status.line): \(message)" : message)
        }
        defer { cxml_free(document) }
        guard let root = cxml_root(document) else { throw XMPError("the packet has no root element") }
        return element(root)
    }

    private static func element(_ node: OpaquePointer) -> DOMElement {
        let result = DOMElement(QualifiedName(string(cxml_node_namespace(node)), string(cxml_node_name(node)),
                                              prefix: string(cxml_node_prefix(node))))
        var declaration = cxml_first_declaration(node)
        while let d = declaration {
            result.namespaceDeclarations.append((string(cxml_declaration_prefix(d)), string(cxml_declaration_uri(d))))
            declaration = cxml_next_declaration(d)
        }
        var attribute = cxml_first_attribute(node)
        while let a = attribute {
            let name = QualifiedName(string(cxml_attribute_namespace(a)), string(cxml_attribute_name(a)),
                                     prefix: string(cxml_attribute_prefix(a)))
            result.attributes.append(DOMAttribute(name, text(from: cxml_attribute_value(a))))
            attribute = cxml_next_attribute(a)
        }
        var child = cxml_first_child(node)
        while let c = child {
            switch cxml_node_kind(c) {
            case CXML_ELEMENT: result.append(.element(element(c)))
            case CXML_TEXT: result.append(.text(string(cxml_node_text(c))))
            default: break
            }
            child = cxml_next_sibling(c)
        }
        return result
    }

    /// The text of a run of sibling nodes (an attribute's value).
    private static func text(from first: OpaquePointer?) -> String {
        var out = ""
        var node = first
        while let n = node {
            out += string(cxml_node_text(n))
            node = cxml_next_sibling(n)
        }
        return out
    }

    private static func string(_ pointer: UnsafePointer<CChar>?) -> String {
        pointer.map { String(cString: $0) } ?? ""
    }
}
