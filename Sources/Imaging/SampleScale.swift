/// The one mapping between stored samples and the Float scale the rest of
/// the program works in: 0…255 for both depths, so 8-bit values are exact
/// and 16-bit values keep their extra precision as fractions.
enum SampleScale {
    static let sixteenBitStep: Float = 257  // 65535 / 255

    @inline(__always) static func float(_ sample: UInt8) -> Float { Float(sample) }
    @inline(__always) static func float(_ sample: UInt16) -> Float { Float(sample) / sixteenBitStep }

    /// Rounds half to even (as TensorFlow's `tf.round`, which the reference model's own
    /// `resolve()` uses) and clamps; NaN becomes 0.
    @inline(__always) static func uint8(_ value: Float) -> UInt8 {
        guard value > 0 else { return 0 }
        guard value < 255 else { return 255 }
        return UInt8(value.rounded(.toNearestOrEven))
    }

    @inline(__always) static func uint16(_ value: Float) -> UInt16 {
        let scaled = value * sixteenBitStep
        guard scaled > 0 else { return 0 }
        guard scaled < 65535 else { return 65535 }
        return UInt16(scaled.rounded(.toNearestOrEven))
    }

    static func convert(_ samples: [UInt8], into floats: inout [Float]) {
        floats = samples.map { float($0) }
    }

    static func convert(_ samples: [UInt16], into floats: inout [Float]) {
        floats = samples.map { float($0) }
    }
}
