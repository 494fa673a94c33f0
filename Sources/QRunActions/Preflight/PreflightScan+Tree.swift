import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Project roots: `.env` files and token shapes in every text file, within the limits.
extension PreflightScan {
    /// Directories that hold tools' copies of other people's code, not the project's secrets.
    static let skippedDirectories: Set<String> = [".git", "node_modules", ".build", ".swiftpm", ".venv", "venv", "__pycache__",
                                                  ".tox", ".mypy_cache", ".pytest_cache", "DerivedData", ".hg", ".svn"]

    /// Whether a file name is a dotenv file: `.env`, `.env.*`, `.envrc`.
    static func isDotenv(_ name: String) -> Bool {
        name == ".env" || name == ".envrc" || name.hasPrefix(".env.")
    }

    /// Whether a dotenv file is a template whose values are meant as examples: its name-only
    /// assignments are decoys unless real-shaped (``isRealShaped(_:)``); token shapes in it still count.
    static func isTemplate(_ name: String) -> Bool {
        [".example", ".sample", ".template", ".dist", ".defaults"].contains { name.hasSuffix($0) }
    }

    /// Walks `root` (a directory or a single file) without following symbolic links.
    func scanRoot(_ root: String) {
        walk(root, depth: 0)
    }

    private func walk(_ path: String, depth: Int) {
        guard !walkTruncated else { return }
        var st = stat()
        guard lstat(path, &st) == 0 else {
            notes.append("could not read \(path); check it by hand")
            return
        }
        switch st.st_mode & S_IFMT {
        case S_IFLNK:
            skippedLinks += 1
        case S_IFDIR:
            guard depth < limits.maxDepth || depth == 0 else {
                skippedDeep.append(path)
                return
            }
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: path) else {
                notes.append("could not list \(path); check it by hand")
                return
            }
            for name in names.sorted() where !Self.skippedDirectories.contains(name) {
                walk(path + "/" + name, depth: depth + 1)
            }
        case S_IFREG:
            if filesScanned >= limits.maxFiles {
                walkTruncated = true
                return
            }
            scanProjectFile(path)
        default:
            break
        }
    }

    private func scanProjectFile(_ path: String) {
        guard let text = readText(path) else { return }
        let name = (path as NSString).lastPathComponent
        // The most specific rule first: for the same value in the same file, the first kind is kept.
        if name.hasSuffix(".ipynb") { scanNotebook(text, path: path) }
        if name.hasSuffix(".py") { addQiskitCalls(in: text, file: text, path: path) }
        addShapes(in: text, path: path)
        guard Self.isDotenv(name) else { return }
        let template = Self.isTemplate(name)
        for a in assignments.scan(text) {
            // A template documents names; only a value that is clearly a real credential counts there.
            if template, !Self.isRealShaped(a.value) { continue }
            let known = Self.knownVariables[a.name.uppercased()]
            add(.dotenvSecret, at: "\(path):\(a.line)", value: a.value, severity: max(known ?? .high, .high))
        }
    }

    /// 32 characters or more of mixed-case letters and digits: a generated key, not a description.
    static func isRealShaped(_ value: String) -> Bool {
        value.count >= 32 && TokenShapes.looksRandom(value[...])
    }
}
