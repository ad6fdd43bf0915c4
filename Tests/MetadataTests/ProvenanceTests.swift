/// The XMP packet is XML that other programs parse: whatever characters a path, model name or
/// agent holds, the packet must stay well-formed and give the same text back — checked with
/// Foundation's XMLParser, a parser independent of the libxml2 the packet was built with.
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Metadata
import Testing

@Suite("Provenance XMP")
struct ProvenanceTests {
    /// XML's five special characters, and a quote of each kind, in one path.
    static let awkwardPath = #"/photos/Tom & Jerry's <best> "shots"/a&b<c>d"e'f.png"#

    func provenance(sourcePath: String = awkwardPath, modelName: String = "srgan-gan",
                    softwareAgent: String = "enhanced 0.1.0") -> Provenance {
        Provenance(sourcePath: sourcePath, sourceSHA256: String(repeating: "ab", count: 32),
                   when: Date(timeIntervalSince1970: 1_700_000_000), softwareAgent: softwareAgent,
                   modelName: modelName, modelSHA256: String(repeating: "cd", count: 32),
                   scale: 4, tile: 224, overlap: 48)
    }

    func packet(_ p: Provenance, toolkit: String = "enhance 0.1.0") -> String {
        let derived = DerivedXMP(xmp: nil, iptc: nil, sourcePath: p.sourcePath, width: 8, height: 8,
                                 provenance: p, toolkit: toolkit)
        return String(decoding: derived.embedded ?? [], as: UTF8.self)
    }

    @Test("a source path with <&>\"' makes a well-formed packet that parses back to the same path")
    func awkwardSourcePath() throws {
        let parsed = try ParsedXML(packet(provenance()))
        #expect(parsed.text["stRef:filePath"] == Self.awkwardPath)
        #expect(parsed.text["enhance:sha256"] == String(repeating: "ab", count: 32))
        #expect(parsed.text["stEvt:action"] == "converted")
    }

    @Test("a model name, software agent and toolkit with <&>\"' are escaped in elements and in the attribute")
    func awkwardNames() throws {
        let agent = #"enhanced <dev> & "friends" 'n'"#
        let p = provenance(modelName: #"my <model> & "best" 'one'"#, softwareAgent: agent)
        let parsed = try ParsedXML(packet(p, toolkit: agent))
        #expect(parsed.text["stEvt:softwareAgent"] == agent)
        #expect(parsed.attributes["x:xmpmeta"]?["x:xmptk"] == agent)
        #expect(parsed.text["stEvt:parameters"] == p.parameters)
        #expect(p.parameters.hasPrefix(#"model my <model> & "best" 'one' (sha256 "#))
    }

    @Test("the History event's parameters end with the input's JPEG quality and noise σ when they are known")
    func inputEstimate() {
        var p = provenance()
        #expect(!p.parameters.contains("input"))
        p.inputJPEGQuality = 75
        p.inputNoiseSigma = 2.14
        #expect(p.parameters.hasSuffix("; overlap 48; input JPEG quality 75; noise σ 2.1"), "\(p.parameters)")
        p.inputJPEGQuality = nil
        #expect(p.parameters.hasSuffix("; overlap 48; input noise σ 2.1"), "\(p.parameters)")
    }

    @Test("an output the network saw whole records no tile geometry")
    func wholeImage() {
        var p = provenance()
        #expect(p.parameters.contains("; scale 4; tile 224; overlap 48"))
        p.wholeImage = true
        #expect(p.parameters.hasSuffix("; scale 4; whole image"), "\(p.parameters)")
    }

    @Test("a packet made from nothing says when in MetadataDate and the event, and sets no CreateDate")
    func noCreateDate() throws {
        let parsed = try ParsedXML(packet(provenance()))
        #expect(parsed.text["xmp:MetadataDate"] == "2023-11-14T22:13:20.000Z")
        #expect(parsed.text["stEvt:when"] == "2023-11-14T22:13:20.000Z")
        #expect(parsed.text["xmp:CreateDate"] == nil)
    }
}

/// The text and attributes of each element of a document, by qualified name (the last one wins);
/// throws when Foundation's XMLParser finds the document malformed.
struct ParsedXML {
    var text: [String: String] = [:]
    var attributes: [String: [String: String]] = [:]

    struct Malformed: Error, CustomStringConvertible {
        let description: String
    }

    init(_ document: String) throws {
        let parser = XMLParser(data: Data(document.utf8))
        let collector = Collector()
        parser.delegate = collector
        // Any error counts, even one the parser recovered from and still returned true after.
        guard parser.parse(), parser.parserError == nil, collector.errors.isEmpty else {
            let reason = (collector.errors + [parser.parserError].compactMap { $0 }).map { "\($0)" }
            throw Malformed(description: "not well-formed XML (\(reason), line \(parser.lineNumber)):\n\(document)")
        }
        (text, attributes) = (collector.text, collector.attributes)
    }

    private final class Collector: NSObject, XMLParserDelegate {
        var text: [String: String] = [:]
        var attributes: [String: [String: String]] = [:]
        var errors: [any Error] = []
        private var open: [(name: String, text: String)] = []

        func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                    qualifiedName: String?, attributes: [String: String] = [:]) {
            open.append((elementName, ""))
            self.attributes[elementName] = attributes
        }

        func parser(_ parser: XMLParser, parseErrorOccurred parseError: any Error) {
            errors.append(parseError)
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            if !open.isEmpty { open[open.count - 1].text += string }
        }

        func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?,
                    qualifiedName: String?) {
            guard let element = open.popLast() else { return }
            text[element.name] = element.text
        }
    }
}
