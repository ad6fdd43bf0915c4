import Foundation

/// The XMP record of how an output was made, in Adobe's xmpMM vocabulary so digiKam, darktable
/// and Immich understand it: DerivedFrom (the source's path, plus its sha256 in our own
/// namespace, since stRef has no field for a digest), fresh DocumentID/InstanceID, and one
/// History event (`converted`, when, softwareAgent, parameters).
public struct Provenance: Sendable, Equatable {
    public var sourcePath: String
    public var sourceSHA256: String
    public var documentID: String
    public var instanceID: String
    public var when: Date
    public var softwareAgent: String
    public var modelName: String
    public var modelSHA256: String
    public var scale: Int
    public var tile: Int
    public var overlap: Int
    /// Seconds; nil in the packet embedded in the image itself, which is written before the
    /// time is known (the sidecar, written after, has it).
    public var elapsed: Double?

    public static let namespace = "urn:enhance:xmp:1.0/"

    public init(sourcePath: String, sourceSHA256: String, when: Date, softwareAgent: String, modelName: String,
                modelSHA256: String, scale: Int, tile: Int, overlap: Int, elapsed: Double? = nil) {
        self.sourcePath = sourcePath
        self.sourceSHA256 = sourceSHA256
        self.documentID = "xmp.did:" + UUID().uuidString.lowercased()
        self.instanceID = "xmp.iid:" + UUID().uuidString.lowercased()
        self.when = when
        self.softwareAgent = softwareAgent
        self.modelName = modelName
        self.modelSHA256 = modelSHA256
        self.scale = scale
        self.tile = tile
        self.overlap = overlap
        self.elapsed = elapsed
    }

    public var parameters: String {
        var text = "model \(modelName) (sha256 \(modelSHA256)); scale \(scale); tile \(tile); overlap \(overlap)"
        if let elapsed { text += String(format: "; elapsed %.3f s", elapsed) }
        return text
    }

    /// The complete packet, xpacket wrapper included.
    public var packet: String {
        let when = Self.iso8601(self.when)
        return """
            <?xpacket begin="\u{FEFF}" id="W5M0MpCehiHzreSzNTczkc9d"?>
            <x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="\(xml(softwareAgent))">
             <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
              <rdf:Description rdf:about=""
                xmlns:xmp="http://ns.adobe.com/xap/1.0/"
                xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/"
                xmlns:stRef="http://ns.adobe.com/xap/1.0/sType/ResourceRef#"
                xmlns:stEvt="http://ns.adobe.com/xap/1.0/sType/ResourceEvent#"
                xmlns:enhance="\(Self.namespace)">
               <xmp:CreatorTool>\(xml(softwareAgent))</xmp:CreatorTool>
               <xmp:CreateDate>\(when)</xmp:CreateDate>
               <xmp:MetadataDate>\(when)</xmp:MetadataDate>
               <xmpMM:DocumentID>\(documentID)</xmpMM:DocumentID>
               <xmpMM:InstanceID>\(instanceID)</xmpMM:InstanceID>
               <xmpMM:DerivedFrom rdf:parseType="Resource">
                <stRef:filePath>\(xml(sourcePath))</stRef:filePath>
                <enhance:sha256>\(sourceSHA256)</enhance:sha256>
               </xmpMM:DerivedFrom>
               <xmpMM:History>
                <rdf:Seq>
                 <rdf:li rdf:parseType="Resource">
                  <stEvt:action>converted</stEvt:action>
                  <stEvt:instanceID>\(instanceID)</stEvt:instanceID>
                  <stEvt:when>\(when)</stEvt:when>
                  <stEvt:softwareAgent>\(xml(softwareAgent))</stEvt:softwareAgent>
                  <stEvt:parameters>\(xml(parameters))</stEvt:parameters>
                 </rdf:li>
                </rdf:Seq>
               </xmpMM:History>
              </rdf:Description>
             </rdf:RDF>
            </x:xmpmeta>
            <?xpacket end="w"?>

            """
    }

    static func iso8601(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }

    private func xml(_ text: String) -> String {
        var out = ""
        for c in text {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(c)
            }
        }
        return out
    }
}
