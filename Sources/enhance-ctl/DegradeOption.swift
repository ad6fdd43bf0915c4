/// `--degrade PRESET|SPEC`, shared by `fine-tune` and `evaluate`: its help (the spec syntax,
/// documented once here and in README "Degraded training pairs") and its parsing.
import ArgumentParser
import Degradation

enum DegradeOption {
    static let help = ArgumentHelp(
        "Degradations: a preset (jpeg, noise, realistic) or stages 'stage:key=value,…;stage…' (see below).",
        valueName: "preset|spec")

    /// Lines under 78 columns: ArgumentParser wraps longer ones and would break the layout.
    static let discussion = """
        DEGRADATIONS (--degrade PRESET|SPEC)
        Presets:
          jpeg       the bicubic LR saved as JPEG at quality 30-95
          noise      the bicubic LR plus Gaussian (σ 1-30) or Poisson
                     (scale 0.05-3) noise, 40 % of it gray
          realistic  Real-ESRGAN x4plus: blur, resize, noise, JPEG; a second
                     round of them; a final sinc filter
        A spec is stages separated by ';', each 'name' (its defaults) or
        'name:key=value,...'. Ranges are 'low-high' or one value. Later stages
        override earlier ones key by key: 'realistic;jpeg2:q=40'.
          blur, blur2    p=1 (blur2 0.8)  size=7-21 (odd)  sigma=0.2-3
                         (blur2 0.2-1.5)  betag=0.5-4  betap=1-2
                         sinc=0.1 (probability of a sinc kernel)
                         shape weights: iso=0.45 aniso=0.25 giso=0.12
                         ganiso=0.03 piso=0.12 paniso=0.03
          resize, resize2  up=0.2 down=0.7 keep=0.1 (weights; resize2
                         0.3 0.4 0.3)  scale=0.15-1.5 (resize2 0.3-1.2, of
                         the LR size)  area=1 bilinear=1 bicubic=1 (weights)
          noise, noise2  p=1  gaussian=0.5 (probability; else Poisson)
                         sigma=1-30 (noise2 1-25)  poisson=0.05-3 (noise2
                         0.05-2.5)  gray=0.4 (probability)
          jpeg, jpeg2    p=1  q=30-95
          sinc           p=0.8  size=7-21 (the final ringing filter)
          clean          p=0.1 (probability a crop keeps its clean LR)
          deblock        (no keys) a crop whose last change was a JPEG is
                         deblocked within its own tables, as the daemon
                         deblocks a JPEG: 'realistic;deblock'
        Without blur or resize stages the pipeline starts from the clean
        bicubic LR. Example: 'jpeg:q=30-90,p=0.4;noise:p=0.3,sigma=0-8'.
        """

    static func parse(_ text: String?) throws -> DegradationSpec? {
        guard let text else { return nil }
        do { return try DegradationSpec(parsing: text) } catch { throw ValidationError(error.description) }
    }
}
