/// How output formats are named by path extensions.
import Testing
import Imaging

@Suite("ImageFormat from a path")
struct ImageFormatTests {
    @Test("png, jpg and jpeg are recognised in any letter case",
          arguments: [("a.png", ImageFormat.png), ("A.PNG", .png), ("x.jpg", .jpeg), ("x.JPG", .jpeg),
                      ("x.jpeg", .jpeg), ("x.JpEg", .jpeg), ("/dir.png/photo.jpg", .jpeg), ("./out/y.Png", .png)])
    func recognised(path: String, format: ImageFormat) {
        #expect(ImageFormat(path: path) == format)
    }

    @Test("other or missing extensions name no format",
          arguments: ["a.gif", "a.webp", "png", "noext", "/dir.png/noext", ".png", "a.png.bak", ""])
    func unrecognised(path: String) {
        #expect(ImageFormat(path: path) == nil)
    }

    @Test("an extension may be given with or without its dot")
    func bareExtension() {
        #expect(ImageFormat(pathExtension: ".JPEG") == .jpeg)
        #expect(ImageFormat(pathExtension: "png") == .png)
        #expect(ImageFormat(pathExtension: "tif") == nil)
    }
}
