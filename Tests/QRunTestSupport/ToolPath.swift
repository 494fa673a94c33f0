import Foundation

/// The PATH helper programs (python3 and the PyPI tools the setup script installed, such as
/// `moto_server`) are started with: the test runner's own PATH, so the same interpreter that
/// `pip install` targeted is used, then the system directories.
public enum ToolPath {
    public static var value: String {
        let inherited = ProcessInfo.processInfo.environment["PATH"] ?? ""
        return inherited.isEmpty ? "/usr/local/bin:/usr/bin:/bin" : inherited + ":/usr/local/bin:/usr/bin:/bin"
    }
}
