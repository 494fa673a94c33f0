import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// glibc functions the Swift `Glibc` module does not import because they are
/// declared only under `_GNU_SOURCE`. They are looked up once with `dlsym` in
/// the global symbol scope and called through C function pointers with the
/// exact prototypes from `<unistd.h>` and `<spawn.h>`.
enum GNULibc {
    /// `int pipe2(int pipefd[2], int flags)`, glibc 2.9.
    typealias Pipe2 = @convention(c) (UnsafeMutablePointer<Int32>?, Int32) -> Int32
    /// `int posix_spawn_file_actions_addchdir_np(posix_spawn_file_actions_t *, const char *)`, glibc 2.29.
    typealias AddChdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, UnsafePointer<CChar>?) -> Int32
    /// `int posix_spawn_file_actions_addclosefrom_np(posix_spawn_file_actions_t *, int)`, glibc 2.34.
    typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, Int32) -> Int32

    static let pipe2: Pipe2? = symbol("pipe2", as: Pipe2.self)
    static let addChdir: AddChdir? = symbol("posix_spawn_file_actions_addchdir_np", as: AddChdir.self)
    static let addCloseFrom: AddCloseFrom? = symbol("posix_spawn_file_actions_addclosefrom_np", as: AddCloseFrom.self)

    private static func symbol<T>(_ name: String, as type: T.Type) -> T? {
        // dlopen(NULL) is the main program's handle; dlsym on it searches the
        // global scope, which includes libc.
        guard let handle = dlopen(nil, RTLD_NOW), let address = dlsym(handle, name) else {
            return nil
        }
        return unsafeBitCast(address, to: type)
    }
}
