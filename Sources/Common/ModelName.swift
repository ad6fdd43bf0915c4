/// A model named on the command line (`--model srgan-pre`) or in the configuration
/// (`model.name`) is the file `NAME.safetensors` in a model directory; anything with a `/` in it
/// is a path. One rule, so `enhance-ctl` and the daemon find the same file for the same word.
public enum ModelName {
    public static let fileExtension = ".safetensors"

    /// The default model's name.
    public static let defaultName = "srgan-gan"

    /// True when `argument` is a bare name to look up rather than a path.
    public static func isName(_ argument: String) -> Bool { !argument.contains("/") }

    /// The file a name stands for in `directory` (`srgan-pre` and `srgan-pre.safetensors` alike).
    public static func file(_ name: String, in directory: String) -> String {
        directory + "/" + (name.hasSuffix(fileExtension) ? name : name + fileExtension)
    }

    /// The name of a model file: its file name without `.safetensors`.
    public static func name(ofFile path: String) -> String {
        let file = path.split(separator: "/").last.map(String.init) ?? path
        return file.hasSuffix(fileExtension) ? String(file.dropLast(fileExtension.count)) : file
    }
}
