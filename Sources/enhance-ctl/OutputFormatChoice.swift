/// `bench memory --format`: the image format the measured upscales write.
import ArgumentParser

enum OutputFormatChoice: String, CaseIterable, ExpressibleByArgument {
    case jpg
    case png
    case tif
    case webp
}
