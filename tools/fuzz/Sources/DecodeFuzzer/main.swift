/// Hands control to libFuzzer (its options and corpus directories come from the command line).
#if canImport(Glibc)
import Glibc
#endif
import CFuzzDriver

var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzzOne(data, size) })
