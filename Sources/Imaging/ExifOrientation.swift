/// EXIF tag 0x0112: how the stored pixels must be turned to be seen upright. Cameras store the
/// sensor's rows as read out and record the turn here instead of rotating the pixels; a viewer
/// that ignores it shows the photo on its side. Case names are the EXIF specification's: where the
/// stored image's 0th row and 0th column appear visually.
public enum ExifOrientation: Int, Sendable, Hashable, CaseIterable {
    /// Upright already.
    case topLeft = 1
    /// Mirrored left to right.
    case topRight = 2
    /// Turned 180°.
    case bottomRight = 3
    /// Mirrored top to bottom.
    case bottomLeft = 4
    /// Transposed (mirrored across the main diagonal).
    case leftTop = 5
    /// Needs a 90° clockwise turn: the usual portrait shot.
    case rightTop = 6
    /// Transversed (mirrored across the other diagonal).
    case rightBottom = 7
    /// Needs a 90° counter-clockwise turn.
    case leftBottom = 8

    /// True for 5–8, whose upright image is the stored one with width and height exchanged.
    public var swapsAxes: Bool { rawValue >= 5 }

    /// True when the upright rows can be produced one stored row at a time (1 and 2); the others
    /// need rows from the far end of the image or columns, so the image is held whole.
    public var streams: Bool { self == .topLeft || self == .topRight }

    /// The upright size of a stored `width` × `height` image.
    public func uprightSize(width: Int, height: Int) -> (width: Int, height: Int) {
        swapsAxes ? (height, width) : (width, height)
    }

    /// Where the upright pixel (x, y) is in the stored image of `width` × `height`.
    @inline(__always)
    public func storedPosition(x: Int, y: Int, width: Int, height: Int) -> (x: Int, y: Int) {
        switch self {
        case .topLeft: (x, y)
        case .topRight: (width - 1 - x, y)
        case .bottomRight: (width - 1 - x, height - 1 - y)
        case .bottomLeft: (x, height - 1 - y)
        case .leftTop: (y, x)
        case .rightTop: (y, height - 1 - x)
        case .rightBottom: (width - 1 - y, height - 1 - x)
        case .leftBottom: (width - 1 - y, x)
        }
    }
}
