import Foundation

/// A throwaway qrun workspace: a 0700 temp directory with `runbooks/`, removed on `cleanup()`.
public final class TestWorkspace: @unchecked Sendable {
    // @unchecked: all stored properties are immutable `let`s of Sendable types.
    public let home: String

    public init(_ label: String = "ws") throws {
        let base = FileManager.default.temporaryDirectory.path
        let path = (base as NSString).appendingPathComponent("qrun-test-\(label)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try FileManager.default.createDirectory(atPath: path + "/runbooks", withIntermediateDirectories: true)
        home = path
    }

    public var stateDirectory: String { home + "/state" }
    public var databasePath: String { stateDirectory + "/qrun.sqlite" }

    /// Writes `runbooks/NAME.yaml`.
    @discardableResult
    public func write(runbook name: String, _ yaml: String) throws -> String {
        let path = "\(home)/runbooks/\(name).yaml"
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Writes any file under the workspace with the given mode.
    @discardableResult
    public func write(file relative: String, _ text: String, mode: Int = 0o600) throws -> String {
        let path = "\(home)/\(relative)"
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
        return path
    }

    /// Every regular file under `directory`, recursively.
    public static func files(under directory: String) -> [String] {
        guard let e = FileManager.default.enumerator(atPath: directory) else { return [] }
        var out: [String] = []
        while let rel = e.nextObject() as? String {
            let p = (directory as NSString).appendingPathComponent(rel)
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: p, isDirectory: &isDir), !isDir.boolValue { out.append(p) }
        }
        return out
    }

    public func cleanup() {
        try? FileManager.default.removeItem(atPath: home)
    }
}

/// Paths of fixture files shipped in `Tests/Fixtures`.
public enum Fixtures {
    public static func path(_ name: String, file: StaticString = #filePath) -> String {
        let here = URL(fileURLWithPath: "\(file)").deletingLastPathComponent()
        return here.deletingLastPathComponent().appendingPathComponent("Fixtures").appendingPathComponent(name).path
    }
}
