import ArgumentParser
import Foundation
import QRunCore
import QRunRuntime
import QRunServer

/// `qrun serve [--listen HOST:PORT] [--grace DURATION] [--check]`
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Daemon: alert intake, API, metrics; executes and resumes runs.",
        discussion: """
            Endpoints: GET /healthz, GET /metrics, POST /v1/alerts/alertmanager (bearer QRUN_ALERT_TOKEN), \
            POST /v1/alerts (HMAC-SHA256 with QRUN_ALERT_HMAC_KEY), GET /v1/runs, GET /v1/runs/{id}, \
            POST /v1/runs/{id}/approvals (bearer of a principal). SIGTERM/SIGINT: intake stops, steps in \
            flight finish within the grace period, everything else stays resumable.
            """)

    @OptionGroup var global: GlobalOptions
    @Option(name: .long, help: "Address to listen on (default: serve.listen in qrun.yaml, else 127.0.0.1:8470).") var listen: String?
    @Option(name: .long, help: "How long in-flight steps may take to finish on SIGTERM (default: serve.grace, else 30s).") var grace: String?
    @Flag(name: .long, help: "Validate the configuration, the runbooks and the state, then exit.") var check = false

    func validate() throws {
        if let listen, ServeOptions.parseListen(listen) == nil {
            throw ValidationError("--listen takes HOST:PORT, e.g. 127.0.0.1:8470 or [::1]:8470")
        }
        if let grace, DurationParser.parse(grace).map({ $0 <= .seconds(3600) }) != true {
            throw ValidationError("--grace takes a duration up to 1h, e.g. 30s")
        }
    }

    func run() async throws {
        let ws = try Workspace(global)
        var options = ServeOptions()
        if let text = listen ?? ws.config.serve.listen {
            guard let (host, port) = ServeOptions.parseListen(text) else {
                throw CLIError(.invalidInput, "serve.listen in qrun.yaml must be HOST:PORT, not '\(text.prefix(64))'")
            }
            options.host = host
            options.port = port
        }
        if let g = grace.flatMap(DurationParser.parse) ?? ws.config.serve.grace { options.grace = g }
        if check {
            let result = await Daemon.check(workspace: ws, options: options)
            if global.json {
                Console.json(["ok": .bool(result.problems.isEmpty), "problems": .array(result.problems.map(Value.string)),
                              "notes": .array(result.notes.map(Value.string)), "listen": .string("\(options.host):\(options.port)")])
            } else {
                for p in result.problems { Console.out("error: \(p)") }
                for n in result.notes { Console.out("note: \(n)") }
                Console.out(result.problems.isEmpty ? "configuration OK; would listen on \(options.host):\(options.port)" : "configuration has \(result.problems.count) problem(s)")
            }
            if !result.problems.isEmpty { throw ExitCode(ExitStatus.invalidInput.rawValue) }
            return
        }
        do {
            try await Daemon.run(workspace: ws, options: options)
        } catch let e as ServeError {
            throw CLIError(.invalidInput, e.message)
        }
    }
}
