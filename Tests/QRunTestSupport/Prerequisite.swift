import Foundation

/// Whether a test's real prerequisite (a server, a sandbox tool) may be missing.
///
/// On a developer's machine a missing prerequisite disables the test with a note. In CI
/// (`CI=true`) every prerequisite is installed by `scripts/setup`, so the test always runs and
/// fails loudly if its prerequisite is missing, rather than passing by not running.
public enum Prerequisite {
    /// Whether this is a CI run.
    public static let isCI: Bool = {
        let v = ProcessInfo.processInfo.environment["CI"]?.lowercased() ?? ""
        return v == "true" || v == "1" || v == "yes"
    }()

    /// For `.enabled(if:)`: true when the prerequisite is there, and always in CI.
    public static func required(_ available: @autoclosure () -> Bool) -> Bool {
        isCI || available()
    }
}
