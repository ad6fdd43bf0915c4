/// The colour a translucent image is flattened onto when its output format has no alpha (JPEG):
/// `[output] background` and `upscale --background`, one parser for both.
public struct BackgroundColor: Sendable, Equatable, CustomStringConvertible {
    /// 8-bit sRGB-encoded components, as written in `#rrggbb`.
    public var red: UInt8, green: UInt8, blue: UInt8

    public init(red: UInt8, green: UInt8, blue: UInt8) {
        self.red = red
        self.green = green
        self.blue = blue
    }

    /// Paper: what a photo printed or shown on a page sits on.
    public static let white = BackgroundColor(red: 255, green: 255, blue: 255)

    static let names: [String: BackgroundColor] = [
        "white": .white, "black": BackgroundColor(red: 0, green: 0, blue: 0),
        "gray": BackgroundColor(red: 128, green: 128, blue: 128), "grey": BackgroundColor(red: 128, green: 128, blue: 128),
    ]

    /// What the parser accepts, for error messages.
    public static let accepted = "#rrggbb, #rgb, white, black or gray"

    /// `#rrggbb`, `#rgb` (each digit doubled, as in CSS), or a name; nil otherwise.
    public init?(parsing text: String) {
        let lower = text.lowercased()
        if let named = Self.names[lower] { self = named; return }
        guard lower.hasPrefix("#") else { return nil }
        var digits = Array(lower.dropFirst())
        if digits.count == 3 { digits = digits.flatMap { [$0, $0] } }
        guard digits.count == 6, let value = UInt32(String(digits), radix: 16) else { return nil }
        self.init(red: UInt8(value >> 16 & 0xff), green: UInt8(value >> 8 & 0xff), blue: UInt8(value & 0xff))
    }

    /// `#rrggbb`.
    public var description: String {
        "#" + [red, green, blue].map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }
}
