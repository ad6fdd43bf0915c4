/// `fine-tune --batch-norm`: what the generator's batch norms normalise by while training.
import ArgumentParser
import Neural

enum BatchNormChoice: String, CaseIterable, ExpressibleByArgument {
    /// The pretrained running statistics, kept: inference computes exactly what was trained.
    case frozen
    /// Each batch's own statistics, as the reference's GAN stage trains.
    case batch

    var mode: BatchNorm.Mode {
        switch self {
        case .frozen: .frozenStatistics
        case .batch: .batchStatistics
        }
    }
}
