import Foundation
import PackagePlugin

/// Generates `SourceCommit.swift` (the git commit the binary was built from) before each build of
/// the `qrun` target, so `qrun --version` names its source on every build path: debug, release,
/// `scripts/install`. Outside a git checkout the commit is `unknown`.
@main
struct SourceCommit: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let dir = context.pluginWorkDirectoryURL.appending(path: "generated")
        let out = dir.appending(path: "SourceCommit.swift")
        let script = """
            c=$(git -C "$1" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
            [ -n "$(git -C "$1" status --porcelain --untracked-files=no 2>/dev/null | head -1)" ] && c="$c-modified"
            mkdir -p "$(dirname "$2")"
            printf '/// The source commit this binary was built from.\\nenum SourceCommit {\\n    static let id = "%s"\\n}\\n' "$c" > "$2.tmp"
            if cmp -s "$2.tmp" "$2"; then rm -f "$2.tmp"; else mv "$2.tmp" "$2"; fi
            """
        return [.prebuildCommand(displayName: "Recording the source commit", executable: URL(fileURLWithPath: "/bin/sh"),
                                 arguments: ["-c", script, "source-commit", context.package.directoryURL.path, out.path],
                                 outputFilesDirectory: dir)]
    }
}
