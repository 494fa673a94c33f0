import Foundation
import QRunCore

/// Finds the plugins of a workspace and turns their declared actions into ``PluginAction``s.
public enum PluginHost {
    /// One discovered plugin folder: its manifest when valid, and what is wrong with it.
    public struct Discovered: Sendable {
        /// The plugin folder.
        public var directory: String
        /// The manifest, when it is valid.
        public var manifest: PluginManifest?
        /// Sentences (with `file:line:col` where they concern the manifest); empty when healthy.
        public var problems: [String]
        /// Refused because another user could have written its manifest or executable.
        public var refused = false
    }

    /// Every plugin under `directory` (each sub-folder holding a `plugin.yaml`), in name order.
    /// A missing `directory` means no plugins. Folders without a manifest are skipped.
    public static func scan(directory: String) -> [Discovered] {
        let dir = (directory as NSString).standardizingPath
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: dir) else { return [] }
        var found: [Discovered] = []
        var owners: [String: String] = [:]
        var names: [String: String] = [:]
        for entry in entries.sorted() where !entry.hasPrefix(".") {
            let folder = (dir as NSString).appendingPathComponent(entry)
            let manifestPath = (folder as NSString).appendingPathComponent(PluginManifestLoader.fileName)
            guard FileManager.default.fileExists(atPath: manifestPath) else { continue }
            var item = Discovered(directory: folder, manifest: nil, problems: [])
            do {
                // qrun may run as root: a plugin another user could have written is never loaded.
                try FileTrust.checkCode(manifestPath, role: .pluginManifest)
            } catch {
                item.problems.append("plugin refused: \(error.description)")
                item.refused = true
                found.append(item)
                continue
            }
            do {
                let manifest = try PluginManifestLoader.load(directory: folder)
                do {
                    try FileTrust.checkCode(manifest.executablePath, role: .pluginExecutable)
                } catch {
                    item.problems.append("plugin refused: \(error.description)")
                    item.refused = true
                    found.append(item)
                    continue
                }
                if let other = names[manifest.name] {
                    item.problems.append("\(manifestPath):1:1: plugin name '\(manifest.name)' is already used by \(other); plugin skipped")
                } else if let clash = manifest.actions.first(where: { owners[$0.name] != nil }) {
                    item.problems.append("\(manifestPath):1:1: action '\(clash.name)' is already provided by plugin '\(owners[clash.name]!)'; plugin skipped")
                } else {
                    names[manifest.name] = folder
                    for a in manifest.actions { owners[a.name] = manifest.name }
                    item.manifest = manifest
                    item.problems += executableProblems(manifest)
                }
            } catch {
                item.problems += error.issues.map(\.description)
            }
            found.append(item)
        }
        return found
    }

    /// The actions of every valid plugin under `directory`, and every problem found.
    ///
    /// A plugin whose manifest is invalid contributes no actions. A plugin whose executable is
    /// missing or not executable keeps its actions (so runbooks still validate) and the problem
    /// is reported here and again, clearly, when a step calls it.
    public static func discover(directory: String) -> (actions: [any Action], problems: [String], refused: [String]) {
        discover(directory: directory, environment: ProcessInfo.processInfo.environment)
    }

    /// ``discover(directory:)`` with an explicit environment for the plugins (tests, embedding).
    public static func discover(directory: String, environment: [String: String]) -> (actions: [any Action], problems: [String], refused: [String]) {
        var actions: [any Action] = []
        var problems: [String] = []
        var refused: [String] = []
        for item in scan(directory: directory) {
            problems += item.problems
            if item.refused { refused += item.problems }
            guard let m = item.manifest else { continue }
            actions += m.actions.map { PluginAction(manifest: m, spec: $0, environment: environment) }
        }
        return (actions, problems, refused)
    }

    /// Sentences about an executable that cannot be run.
    static func executableProblems(_ m: PluginManifest) -> [String] {
        do {
            try PluginInvoker.checkExecutable(m, who: "plugin '\(m.name)'")
            return []
        } catch {
            return ["\(m.manifestPath): \(error.message)"]
        }
    }
}
