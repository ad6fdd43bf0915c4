/// ModelFormats hands on `Hashing`, which used to live here: a file that imports ModelFormats and
/// says `SHA256.hexDigest(ofFile:)` keeps compiling. New code imports `Hashing` itself (the
/// daemon and `enhance-ctl` need no weight-file code to hash a photo).
@_exported import Hashing
