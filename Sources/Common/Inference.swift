/// How an image larger than one tile goes through the network: the choice the configuration
/// (`model.inference`), `enhance-ctl upscale --inference` and the libraries share.
public enum Inference: String, Sendable, CaseIterable {
    /// Streamed in rows (SRGAN's `StreamingPlan`): every pixel computed once, whole-image
    /// inference exactly, memory set by the width. The default: on `bench archive` it computes
    /// the 1.5× fewer pixels tiles at 256 with overlap 48 recompute.
    case rows
    /// Cut into overlapping tiles of `tile` pixels, feathered together: memory set by the tile,
    /// output within 1 level of whole-image inference for overlaps of 48 and more.
    case tiles
}
