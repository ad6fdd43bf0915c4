/// `--inference rows|tiles` on `upscale` and `bench archive`.
import ArgumentParser
import Common

extension Inference: ExpressibleByArgument {}
