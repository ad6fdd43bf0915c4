/// `--degrade PRESET|SPEC`, shared by `fine-tune` and `evaluate`: its help (the spec syntax,
/// documented once here and in README "Degraded training pairs") and its parsing.
import ArgumentParser
import Degradation

enum DegradeOption {
    static let help = ArgumentHelp(
        "Degradations: a preset (jpeg, noise, realistic) or stages 'stage:key=value,…;stage…' (see below).",
        valueName: "preset|spec")

    static let discussion = """
        DEGRADATIONS (--degrade)
          Presets: jpeg (JPEG q 30-95 of the bicubic LR), noise (Gaussian σ 1-30 or Poisson 0.05-3, \
        40 % gray), realistic (Real-ESRGAN x4plus: two rounds of blur, resize, noise and JPEG, then a sinc).
          A spec is stages separated by ';', each 'name' (its defaults) or 'name:key=value,…'; ranges are \
        'low-high' or one value; later stages override earlier ones key by key ('realistic;jpeg2:q=40').
          blur, blur2   p (prob.) size=7-21 (odd) sigma=0.2-3 (blur2: 0.2-1.5, p 0.8) betag=0.5-4 betap=1-2
                        sinc=0.1 (prob. of a sinc kernel) and shape weights iso=0.45 aniso=0.25 giso=0.12
                        ganiso=0.03 piso=0.12 paniso=0.03
          resize, resize2  up=0.2 down=0.7 keep=0.1 (weights) scale=0.15-1.5 (resize2: 0.3-0.4-0.3,
                        0.3-1.2; relative to the LR size) area=1 bilinear=1 bicubic=1 (weights)
          noise, noise2 p gaussian=0.5 (prob.; else Poisson) sigma=1-30 (noise2: 1-25)
                        poisson=0.05-3 (noise2: 0.05-2.5) gray=0.4 (prob.)
          jpeg, jpeg2   p q=30-95
          sinc          p=0.8 size=7-21 (the final ringing filter)
          clean         p=0.1 (prob. a crop keeps its clean bicubic LR)
        Without blur or resize stages the pipeline starts from the clean bicubic LR.
        """

    static func parse(_ text: String?) throws -> DegradationSpec? {
        guard let text else { return nil }
        do { return try DegradationSpec(parsing: text) } catch { throw ValidationError(error.description) }
    }
}
