/// A `DOMElement` tree back to XML text: namespace declarations as they were (plus any the merge
/// added), attributes in order, character data escaped. The one writer of XML in the project.
enum XMLSerialization {
    static func write(_ element: DOMElement, into out: inout String) {
        out += "<" + element.name.description
        for (prefix, uri) in element.namespaceDeclarations {
            out += prefix.isEmpty ? " xmlns=\"" : " xmlns:" + prefix + "=\""
            out += escaped(uri, attribute: true) + "\""
        }
        for attribute in element.attributes {
            out += " " + attribute.name.description + "=\"" + escaped(attribute.value, attribute: true) + "\""
        }
        if element.children.isEmpty {
            out += "/>"
            return
        }
        out += ">"
        for child in element.children {
            switch child {
            case .element(let e): write(e, into: &out)
            case .text(let t): out += escaped(t, attribute: false)
            }
        }
        out += "</" + element.name.description + ">"
    }

    /// `&` and `<` always; `>` too (a `]]>` in text would be an error); in attributes the quote
    /// and the whitespace characters a parser would otherwise normalise to spaces. Characters
    /// XML 1.0 cannot hold at all, even escaped (controls other than tab, newline and return;
    /// U+FFFE, U+FFFF), become U+FFFD: they come from IPTC text or file names, and one of them
    /// would make the whole packet unreadable (found by the fuzzer).
    static func escaped(_ text: String, attribute: Bool) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"" where attribute: out += "&quot;"
            case "\n" where attribute: out += "&#10;"
            case "\r": out += "&#13;"
            case "\t" where attribute: out += "&#9;"
            case "\t", "\n": out.unicodeScalars.append(scalar)
            case _ where scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF:
                out.unicodeScalars.append("\u{FFFD}")
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
