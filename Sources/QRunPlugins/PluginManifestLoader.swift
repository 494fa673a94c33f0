import Foundation
import QRunCore
import Yams

/// Reads and validates one `plugin.yaml`; every problem carries `file:line:col`.
public enum PluginManifestLoader {
    /// The manifest's file name inside a plugin folder.
    public static let fileName = "plugin.yaml"

    /// Loads the manifest of the plugin in `directory`.
    /// - Throws: ``RunbookValidationError`` listing every problem found, each with its location.
    public static func load(directory: String) throws(RunbookValidationError) -> PluginManifest {
        let dir = (directory as NSString).standardizingPath
        let path = (dir as NSString).appendingPathComponent(fileName)
        let start = SourceLocation(file: path, line: 1, column: 1)
        guard let data = FileManager.default.contents(atPath: path), data.count <= 1 << 20,
              let text = String(data: data, encoding: .utf8) else {
            throw RunbookValidationError([RunbookIssue(start, "cannot read the plugin manifest (missing, unreadable, not UTF-8 or over 1 MiB)")])
        }
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let e as YamlError {
            throw RunbookValidationError([ManifestReader.issue(for: e, path: path)])
        } catch {
            throw RunbookValidationError([RunbookIssue(start, "cannot parse the plugin manifest: \(error)")])
        }
        var reader = ManifestReader(path: path)
        guard let root, case .mapping(let top) = root else {
            throw RunbookValidationError([RunbookIssue(start, "the plugin manifest is a map with keys name, protocol, executable and actions")])
        }
        let manifest = reader.manifest(top, root: root, directory: dir)
        if !reader.issues.isEmpty { throw RunbookValidationError(reader.issues) }
        return manifest!
    }
}
