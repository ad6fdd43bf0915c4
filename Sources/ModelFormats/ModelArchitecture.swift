/// The networks whose weights enhance knows how to name. The raw values are
/// what the `architecture` metadata key of an imported file holds.
public enum ModelArchitecture: String, Sendable, CaseIterable {
    /// The SRResNet-shaped ×4 generator (both the GAN and the MSE-pretrained weights).
    case srganGenerator = "srgan-generator"
    /// The 96×96 SRGAN discriminator, needed only for fine-tuning.
    case srganDiscriminator = "srgan-discriminator"
    /// VGG19 convolutions without the classifier, for the perceptual loss.
    case vgg19Features = "vgg19-features"
}
