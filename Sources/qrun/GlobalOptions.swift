import ArgumentParser

/// Options every command takes.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: "Workspace directory (default: $QRUN_HOME, else the current directory).")
    var home: String?

    @Option(name: .long, help: "State directory (default: $QRUN_STATE_DIR, else HOME/state).")
    var stateDir: String?

    @Flag(name: .long, help: "Machine-readable JSON output.")
    var json = false
}
