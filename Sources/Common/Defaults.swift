/// Defaults that the command line, the configuration file and the libraries share.
public enum Defaults {
    /// JPEG output quality (1…100): high enough that re-encoding adds no visible loss to an
    /// enhanced photo, far smaller than lossless.
    public static let jpegQuality = 92

    /// Input pixels above which an image is refused from its header, before any pixel memory
    /// exists (a 10000×10000 scan is the largest an archive is expected to hold).
    public static let maxInputPixels = 100_000_000

    /// Tile side and overlap in input pixels, chosen by measurement on photographs against the
    /// original TensorFlow model (whole-image inference there). On a 400×300 photo, values of
    /// our tiled output that differ from TensorFlow's: overlap 32 → 0.15 % (max 2 levels),
    /// 40 → 0.044 %, 48 → 0.010 % (max 1, as untiled inference: 0.005 %). The network's
    /// receptive field is ~40 input pixels each way. Nearly all of a photo's time is the
    /// network (`enhance-ctl bench archive`: 97 %), and every overlap is computed twice, so the
    /// tile is as large as memory allows: at 256 a 12 MP photo computes 1.49× its pixels (224:
    /// 1.59×, 816×612: 1.36× against 1.53×), and its peak stays below 224's before the band lost
    /// its per-pixel weight sums and the plan its second arena (plan 1280 bytes per tile pixel,
    /// band 48 bytes per output pixel of a tile row's height).
    ///
    /// With `Inference.rows` (the default) overlap and blending are gone: an image up to a tile
    /// each way runs whole on a plan of its size, a larger one is streamed in rows (whole-image
    /// inference as well), and the tile only draws that line.
    public static let tile = 256
    public static let overlap = 48

    /// The tile sides accepted anywhere. Below 32 the network's receptive field no longer fits
    /// in a tile with any useful overlap; above 4096 a single tile's activations need more
    /// than 10 GB.
    public static let tileRange = 32...4096

    /// The overlaps accepted with a given tile: less than half of it, or two overlaps would
    /// cover the whole tile.
    public static func overlapRange(tile: Int) -> ClosedRange<Int> { 0...(tile / 2 - 1) }
}
