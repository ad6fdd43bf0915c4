/// How output formats are named by path extensions.
import Testing
import Common
import Imaging

@Suite("ImageFormat from a path")
struct ImageFormatTests {
    @Test("png, jpg, jpeg, tif, tiff, webp, heic, heif and avif are recognised in any letter case",
          arguments: [("a.png", ImageFormat.png), ("A.PNG", .png), ("x.jpg", .jpeg), ("x.JPG", .jpeg),
                      ("x.jpeg", .jpeg), ("x.JpEg", .jpeg), ("/dir.png/photo.jpg", .jpeg), ("./out/y.Png", .png),
                      ("scan.tif", .tiff), ("SCAN.TIFF", .tiff), ("a.webp", .webp), ("IMG.HEIC", .heif),
                      ("b.heif", .heif), ("c.avif", .heif)])
    func recognised(path: String, format: ImageFormat) {
        #expect(ImageFormat(path: path) == format)
    }

    @Test("other or missing extensions name no format",
          arguments: ["a.gif", "a.bmp", "png", "noext", "/dir.png/noext", ".png", "a.png.bak", ""])
    func unrecognised(path: String) {
        #expect(ImageFormat(path: path) == nil)
    }

    @Test("an extension may be given with or without its dot")
    func bareExtension() {
        #expect(ImageFormat(pathExtension: ".JPEG") == .jpeg)
        #expect(ImageFormat(pathExtension: "png") == .png)
        #expect(ImageFormat(pathExtension: "gif") == nil)
    }

    @Test("every extension the daemon picks up names a format, and every output extension a writable one")
    func sharedExtensionLists() {
        for ext in ImageFileTypes.readable { #expect(ImageFormat(pathExtension: ext) != nil, "\(ext)") }
        for ext in ImageFileTypes.writable { #expect(ImageFormat(pathExtension: ext)?.isWritable == true, "\(ext)") }
        #expect(ImageFormat.heif.isWritable == false)
    }
}
