/// Checkpoints: everything needed to continue a run exactly — both networks (with batch-norm
/// running statistics), both Adam states, the step, and the data seed — in one safetensors file
/// written atomically (a crash mid-write leaves the previous checkpoint intact).
import Foundation
import ModelFormats
import Neural
import SRGAN

public enum Checkpoint {
    /// Magic and version, checked on load.
    public static let format = "enhance-checkpoint/1"

    public static func save(path: String, step: TrainingStep, stepNumber: Int, metadata: [String: String]) throws {
        var tensors: [String: Tensor] = [:]
        var meta = metadata
        meta["format"] = format
        meta["step"] = String(stepNumber)
        func add(_ prefix: String, _ set: ParameterSet, _ adam: Adam, engine: Engine) throws {
            for (name, t) in try set.tensors(engine: engine) { tensors["\(prefix)/\(name)"] = t }
            for (i, e) in set.entries.enumerated() {
                let p = e.parameter
                tensors["\(prefix).m/\(p.name)"] = Tensor(shape: e.fileShape,
                                                           values: try adam.firstMoments[i].load(as: p.plainLayout, engine: engine))
                tensors["\(prefix).v/\(p.name)"] = Tensor(shape: e.fileShape,
                                                           values: try adam.secondMoments[i].load(as: p.plainLayout, engine: engine))
            }
            meta["\(prefix).adam_step"] = String(adam.step)
        }
        try add("generator", step.generator.parameters, step.generatorOptimizer, engine: step.generator.engine)
        if let d = step.discriminator, let adam = step.discriminatorOptimizer {
            try add("discriminator", d.parameters, adam, engine: d.engine)
        }
        try TensorFile(metadata: meta, tensors: tensors).write(to: path)
    }

    /// Restores `step` from `path`; returns the step number and the checkpoint's metadata.
    public static func restore(path: String, into step: TrainingStep) throws -> (step: Int, metadata: [String: String]) {
        let file = try TensorFile.read(path: path)
        guard file.metadata["format"] == format, let number = file.metadata["step"].flatMap(Int.init) else {
            throw TrainingError("\(path): not an enhance checkpoint (format \(file.metadata["format"] ?? "missing"), want \(format))")
        }
        func restore(_ prefix: String, _ set: ParameterSet, _ adam: Adam, engine: Engine) throws {
            var sub = TensorFile()
            for (name, t) in file.tensors where name.hasPrefix(prefix + "/") { sub.tensors[String(name.dropFirst(prefix.count + 1))] = t }
            try set.load(from: sub, path: path, engine: engine)
            for (i, e) in set.entries.enumerated() {
                let p = e.parameter
                guard let m = file.tensors["\(prefix).m/\(p.name)"], let v = file.tensors["\(prefix).v/\(p.name)"] else {
                    throw TrainingError("\(path): optimizer state for \(p.name) missing")
                }
                try adam.firstMoments[i].store(m.values, from: p.plainLayout, engine: engine)
                try adam.secondMoments[i].store(v.values, from: p.plainLayout, engine: engine)
            }
            guard let t = file.metadata["\(prefix).adam_step"].flatMap(Int.init) else {
                throw TrainingError("\(path): optimizer step for \(prefix) missing")
            }
            adam.restore(step: t)
        }
        try restore("generator", step.generator.parameters, step.generatorOptimizer, engine: step.generator.engine)
        if let d = step.discriminator, let adam = step.discriminatorOptimizer {
            guard file.tensors.keys.contains(where: { $0.hasPrefix("discriminator/") }) else {
                throw TrainingError("\(path): this checkpoint has no discriminator (it was a run without one)")
            }
            try restore("discriminator", d.parameters, adam, engine: d.engine)
        }
        return (number, file.metadata)
    }
}
