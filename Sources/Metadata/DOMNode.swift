/// One child of an element: another element or character data (text and CDATA alike; comments
/// and processing instructions inside an XMP packet carry no metadata and are not kept).
public enum DOMNode {
    case element(DOMElement)
    case text(String)
}
