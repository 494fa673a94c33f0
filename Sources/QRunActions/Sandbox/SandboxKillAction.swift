import Foundation
import QRunCore

#if canImport(Glibc)
import Glibc
#endif

/// `sandbox.kill`: stops every process of an agent's sandbox.
///
/// Selector (`selector`, exactly one key): `pid` or `pidfile` (the process tree, see
/// ``ProcessTree``), `cgroup` (a cgroup v2 directory, see ``CgroupTarget``), `container` or
/// `label` (podman/docker containers, see ``ContainerRuntime``). `grace` (default 5s) is the
/// time between SIGTERM and SIGKILL.
///
/// Idempotency: stopping is naturally idempotent. `apply` first looks at what is still alive;
/// when nothing is (process gone or a zombie, pidfile missing, cgroup empty or removed,
/// containers not running or removed) it succeeds with `already_stopped: true` and signals
/// nothing, so a retry or a resume after a crash never repeats an effect. Pids are checked
/// against their start time before every signal, so a pid reused during the call is not hit.
/// A bare `pid` selector re-used on a resume long after the original process died could name
/// an unrelated process; prefer `pidfile`, `cgroup` or containers for long-running runbooks.
public struct SandboxKillAction: Action {
    /// The environment offered to the container CLI (filtered by ``ContainerRuntime``).
    public var environment: [String: String]

    /// Creates the action.
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.environment = environment
    }

    /// The descriptor.
    public var descriptor: ActionDescriptor {
        ActionDescriptor(
            name: "sandbox.kill",
            summary: "Stop every process of an agent sandbox (process tree, cgroup v2 or containers): SIGTERM, grace, SIGKILL",
            parameters: [
                ParameterSpec("selector", .map, required: true, secret: .forbidden,
                              description: "exactly one of pid, pidfile, cgroup, container, label (key=value)"),
                ParameterSpec("runtime", .string, secret: .forbidden, description: "podman (default) or docker, for container and label"),
                ParameterSpec("grace", .duration, secret: .forbidden, description: "time between SIGTERM and SIGKILL (default 5s)"),
                ParameterSpec("remove", .bool, secret: .forbidden, description: "also remove stopped containers (default false: kept as evidence)"),
            ],
            supportsVerify: true).declaring([
                OutputSpec("stopped", "int", "Processes or containers this call stopped."),
                OutputSpec("pids", "list", "Their process ids (plan: the ids that would be stopped)."),
                OutputSpec("containers", "list", "Containers stopped (plan: those that would be)."),
                OutputSpec("already_stopped", "bool", "Nothing selected was running."),
                OutputSpec("method", "string", "How processes were stopped: cgroup.kill, signals or none."),
                OutputSpec("processes", "list", "plan: the matching processes with their command lines."),
                OutputSpec("count", "int", "plan: how many would be stopped."),
                OutputSpec("verified", "bool", "verify: nothing selected is running."),
                OutputSpec("remaining", "int", "verify: processes still running (0)."),
                OutputSpec("residual_validity", "string", "verify: what stopping does not revoke."),
            ])
    }

    struct Options {
        var selector: SandboxSelector
        var grace: Duration
        var runtime: ContainerRuntime
        var remove: Bool
    }

    func options(_ call: ActionCall) throws(ActionError) -> Options {
        let selector = try SandboxSelector(call.params["selector"])
        let grace = try call.duration("grace") ?? .seconds(5)
        guard grace >= .zero else { throw .invalid("parameter 'grace' must not be negative") }
        let runtime = try ContainerRuntime(name: call.string("runtime") ?? "podman", environment: environment)
        var remove = false
        if let v = call.params["remove"], !v.isNull {
            guard let b = v.boolValue else { throw .invalid("parameter 'remove' must be true or false") }
            remove = b
        }
        return Options(selector: selector, grace: grace, runtime: runtime, remove: remove)
    }

    /// The root pid of a pid/pidfile selector; `nil` when there is none (pidfile missing).
    func rootPid(_ selector: SandboxSelector) throws(ActionError) -> Int32? {
        switch selector {
        case .pid(let p): return p
        case .pidfile(let path): return try SandboxSelector.readPidfile(path)
        default: return nil
        }
    }

    func cgroup(_ path: String, mustExist: Bool) throws(ActionError) -> CgroupTarget? {
        let target = try CgroupTarget(path: path)
        guard target.exists else { return nil }
        guard target.isCgroup else { throw .invalid("\(path) is not a cgroup v2 directory (it has no cgroup.procs)") }
        return target
    }

    func containers(_ o: Options) async throws(ActionError) -> [ContainerInfo] {
        switch o.selector {
        case .container(let n): return try await o.runtime.list(name: n)
        case .label(let l): return try await o.runtime.list(label: l)
        default: return []
        }
    }

    /// Live processes the selector names right now (for pid, pidfile and cgroup).
    func liveProcesses(_ o: Options) throws(ActionError) -> [ProcEntry] {
        switch o.selector {
        case .pid, .pidfile:
            guard let root = try rootPid(o.selector) else { return [] }
            return ProcessTree(root: root).live
        case .cgroup(let path):
            return try cgroup(path, mustExist: false)?.live ?? []
        default: return []
        }
    }

    static func describe(_ procs: [ProcEntry]) -> [Value] {
        procs.map { .object(["pid": .int(Int($0.pid)), "command": .string(String(ProcTable.commandLine($0.pid).prefix(200)))]) }
    }

    static func describe(_ cs: [ContainerInfo]) -> [Value] {
        cs.map { .object(["id": .string($0.id), "names": .string($0.names), "state": .string($0.state)]) }
    }

    /// Lists what apply would stop; sends no signal.
    public func plan(_ call: ActionCall) async throws -> ActionResult {
        let o = try options(call)
        if o.selector.isContainer {
            let cs = try await containers(o)
            let running = cs.filter(\.isRunning)
            let names = running.map(\.names).joined(separator: ", ")
            return ActionResult(
                outputs: ["containers": .array(Self.describe(cs)), "count": .int(running.count), "already_stopped": .bool(running.isEmpty)],
                summary: running.isEmpty ? "no running container matches; nothing to stop"
                    : "would stop \(running.count) container(s) with \(o.runtime.name): \(names)")
        }
        let procs = try liveProcesses(o)
        let list = procs.prefix(20).map { "\($0.pid) \(String(ProcTable.commandLine($0.pid).prefix(80)))" }.joined(separator: "; ")
        return ActionResult(
            outputs: ["processes": .array(Self.describe(procs)), "pids": .array(procs.map { .int(Int($0.pid)) }),
                      "count": .int(procs.count), "already_stopped": .bool(procs.isEmpty)],
            summary: procs.isEmpty ? "no live process matches; nothing to stop"
                : "would stop \(procs.count) process(es) (SIGTERM, \(o.grace) grace, SIGKILL): \(list)")
    }

    /// Stops everything the selector names.
    public func apply(_ call: ActionCall) async throws -> ActionResult {
        let o = try options(call)
        switch o.selector {
        case .container, .label:
            let running = try await containers(o).filter(\.isRunning)
            let ids = running.map(\.id)
            if !ids.isEmpty { try await o.runtime.stop(ids, grace: o.grace, remove: o.remove) }
            let left = try await o.runtime.states(ids).filter(\.isRunning)
            guard left.isEmpty else {
                throw ActionError(message: "\(left.count) container(s) still running after stop and kill: \(left.map(\.names).joined(separator: ", "))", retryable: true)
            }
            return ActionResult(
                outputs: ["stopped": .int(ids.count), "pids": .array([]), "containers": .array(ids.map { .string($0) }),
                          "already_stopped": .bool(ids.isEmpty)],
                summary: ids.isEmpty ? "no running container matched; already stopped"
                    : "stopped \(ids.count) container(s): \(running.map(\.names).joined(separator: ", "))")
        case .pid, .pidfile:
            guard let root = try rootPid(o.selector) else { return Self.stopped([], what: "process tree") }
            var tree = ProcessTree(root: root)
            let pids = await tree.stop(grace: o.grace)
            let left = tree.live
            guard left.isEmpty else {
                throw ActionError(message: "\(left.count) process(es) survived SIGKILL: \(left.map { String($0.pid) }.joined(separator: ", "))", retryable: true)
            }
            return Self.stopped(pids, what: "process tree of \(root)")
        case .cgroup(let path):
            guard let target = try cgroup(path, mustExist: false) else { return Self.stopped([], what: "cgroup \(path)") }
            let (pids, usedKill) = await target.stop(grace: o.grace)
            let left = target.live
            guard left.isEmpty else {
                throw ActionError(message: "\(left.count) process(es) still in \(path) after kill", retryable: true)
            }
            var result = Self.stopped(pids, what: "cgroup \(path)")
            result.outputs["method"] = .string(pids.isEmpty ? "none" : usedKill ? "cgroup.kill" : "signals")
            return result
        }
    }

    static func stopped(_ pids: [Int32], what: String) -> ActionResult {
        ActionResult(outputs: ["stopped": .int(pids.count), "pids": .array(pids.map { .int(Int($0)) }), "already_stopped": .bool(pids.isEmpty)],
                     summary: pids.isEmpty ? "nothing alive in \(what); already stopped" : "stopped \(pids.count) process(es) in \(what)")
    }

    /// Proves nothing is left: no live non-zombie process, empty cgroup, no running container.
    public func verify(_ call: ActionCall) async throws -> ActionResult {
        let o = try options(call)
        let remaining: [String]
        if o.selector.isContainer {
            remaining = try await containers(o).filter(\.isRunning).map(\.names)
        } else {
            remaining = try liveProcesses(o).map { String($0.pid) }
        }
        guard remaining.isEmpty else {
            throw ActionError(message: "still running: \(remaining.joined(separator: ", "))", retryable: true)
        }
        return ActionResult(
            outputs: ["verified": .bool(true), "remaining": .int(0),
                      "residual_validity": .string("Stopping processes revokes nothing: credentials, tokens and files the agent already used or copied stay valid until revoked, and jobs it submitted to remote services keep running.")],
            summary: "nothing selected is running any more")
    }
}
