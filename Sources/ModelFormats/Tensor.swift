/// One named weight array as the rest of enhance sees it: float32, row-major,
/// with the shape the importer promises for that name (kernels HWIO, dense [in, out]).
public struct Tensor: Sendable, Equatable {
    public var shape: [Int]
    public var values: [Float]

    public init(shape: [Int], values: [Float]) {
        self.shape = shape
        self.values = values
    }

    /// Product of the dimensions; an empty shape is a scalar (one element).
    /// Nil when a dimension is negative or the product overflows, so callers
    /// validating untrusted shapes cannot be tricked by wrap-around.
    public var elementCount: Int? {
        Tensor.elementCount(of: shape)
    }

    static func elementCount(of shape: [Int]) -> Int? {
        var count = 1
        for dimension in shape {
            guard dimension >= 0 else { return nil }
            let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
            if overflow { return nil }
            count = product
        }
        return count
    }
}

extension Array where Element == Int {
    /// `[3,3,64,64]`, the spelling used in every error message of this module.
    var shapeDescription: String {
        "[" + map(String.init).joined(separator: ",") + "]"
    }
}
