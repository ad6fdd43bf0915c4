/// `fine-tune --content`: what the generator's output is compared with the photo by.
import ArgumentParser

enum ContentLoss: String, CaseIterable, ExpressibleByArgument {
    /// Mean squared error on pixels.
    case mse
    /// Distance between VGG19 conv5_4 features (needs `--vgg19` weights).
    case vgg54
}
