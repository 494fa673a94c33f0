import Foundation
import QRunTestSupport
import Testing

/// The preflight corpus through the built binary: every planted credential found at its
/// location, no decoy reported, `--strict` passing on decoys alone and failing on any plant, and
/// no planted value in any output form (raw, JSON-escaped, base64, hex, URL-encoded).
///
/// The recall and false-positive figures in README.md come from this suite.
@Suite
struct PreflightCorpusTests {
    static let corpus: (plants: [PreflightCorpusEntry], decoys: [PreflightCorpusEntry]) = {
        var fakes = PreflightFakes()
        let plants = PreflightCorpusEntry.plants(&fakes)
        return (plants, PreflightCorpusEntry.decoys(&fakes))
    }()

    typealias Sandbox = PreflightCommandTests.Sandbox

    /// Writes the entries' files and returns their environment variables.
    static func lay(_ entries: [PreflightCorpusEntry], in box: Sandbox) throws -> [String: String] {
        var env: [String: String] = [:]
        for e in entries {
            if e.path.hasPrefix("env:") {
                env[String(e.path.dropFirst(4))] = e.content
                continue
            }
            let full = box.path(e.path)
            try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try e.content.write(toFile: full, atomically: true, encoding: .utf8)
        }
        return env
    }

    static func findings(_ out: ProcessOutput) throws -> [[String: Any]] {
        try out.json()["findings"] as? [[String: Any]] ?? []
    }

    @Test func theCorpusIsLargeEnoughAndHasNoCollisions() {
        #expect(Self.corpus.plants.count >= 40)
        #expect(Self.corpus.decoys.count >= 15)
        let paths = (Self.corpus.plants + Self.corpus.decoys).map(\.path)
        #expect(Set(paths).count == paths.count, "each entry has its own file or variable")
        #expect(Self.corpus.plants.allSatisfy { !$0.location.hasSuffix(":0") }, "every plant's expected line is in its file")
    }

    @Test func everyPlantIsFoundAndNoDecoyIs() throws {
        let box = try Sandbox()
        defer { box.ws.cleanup() }
        let env = try Self.lay(Self.corpus.plants + Self.corpus.decoys, in: box)
        let args = ["--strict", "--home", box.home, "--path", box.project]
        let json = try box.run(args + ["--json"], env: env)
        #expect(json.status == 1)
        let found = try Self.findings(json)
        var byLocation: [String: String] = [:]
        for f in found { byLocation[f["location"] as? String ?? ""] = f["kind"] as? String }
        var missed: [String] = []
        for p in Self.corpus.plants {
            let location = box.path(p.location)
            if let kind = byLocation[location] {
                #expect(kind == p.kind, "\(p.name): reported as \(kind)")
            } else {
                missed.append("\(p.name) at \(p.location)")
            }
        }
        #expect(missed == [], "recall \(Self.corpus.plants.count - missed.count)/\(Self.corpus.plants.count)")
        let expected = Set(Self.corpus.plants.map { box.path($0.location) })
        let extra = found.compactMap { $0["location"] as? String }.filter { !expected.contains($0) }
        #expect(extra == [], "decoys or duplicates reported: \(extra)")
        #expect(found.count == Self.corpus.plants.count, "one finding per plant")
        #expect((try json.json()["notes"] as? [String]) == [], "no could-not-read or depth notes")

        let human = try box.run(args, env: env)
        #expect(human.status == 1)
        for p in Self.corpus.plants {
            for out in [json, human] {
                let scanner = CanaryScanner(p.secret ?? "")
                #expect(scanner.find(in: out.stdout) == [], "\(p.name) printed: \(scanner.find(in: out.stdout))")
                #expect(scanner.find(in: out.stderr) == [], "\(p.name) printed: \(scanner.find(in: out.stderr))")
            }
        }
    }

    @Test func decoysAlonePassStrict() throws {
        let box = try Sandbox()
        defer { box.ws.cleanup() }
        let env = try Self.lay(Self.corpus.decoys, in: box)
        let out = try box.run(["--strict", "--json", "--home", box.home, "--path", box.project], env: env)
        #expect(out.status == 0, "\(out.stdout) \(out.stderr)")
        let brief = try Self.findings(out).map { "\($0["kind"] ?? "")@\($0["location"] ?? "")" }
        #expect(brief == [], "false positives \(brief.count)/\(Self.corpus.decoys.count)")
        #expect((try out.json()["notes"] as? [String]) == [])
    }

    @Test(arguments: corpus.plants)
    func anyOnePlantFailsStrict(_ plant: PreflightCorpusEntry) throws {
        let box = try Sandbox()
        defer { box.ws.cleanup() }
        let env = try Self.lay([plant] + Self.corpus.decoys, in: box)
        let out = try box.run(["--strict", "--json", "--home", box.home, "--path", box.project], env: env)
        #expect(out.status == 1)
        #expect(try Self.findings(out).compactMap { $0["location"] as? String } == [box.path(plant.location)])
    }
}
