import Foundation
import QRunActions

/// Runs an executable directly (bypassing the host) and returns its trimmed stdout.
enum ChildProcessHelper {
    static func run(_ path: String, stdin: String, env: [String: String]) async throws -> String {
        let r = try await ChildProcess.run(ChildProcessRequest(executable: path, environment: env, stdin: Data(stdin.utf8), timeout: .seconds(30)))
        return String(decoding: r.stdout, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
