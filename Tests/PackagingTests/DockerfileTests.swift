import Foundation
import Testing

/// Static lint of docker/Dockerfile: no Docker engine runs here.
@Suite("docker/Dockerfile")
struct DockerfileTests {
    let file: Dockerfile

    init() throws {
        file = try Dockerfile(text: Repository.text("docker/Dockerfile"))
    }

    var buildStage: Dockerfile.Stage? { file.stages.first { $0.name == "build" } }

    /// The words of every `apt-get install` in a stage's RUN instructions, options dropped.
    static func installedPackages(_ stage: Dockerfile.Stage) -> Set<String> {
        var packages: Set<String> = []
        for run in stage.all("RUN") {
            for command in run.arguments.components(separatedBy: "&&") {
                let words = command.split(separator: " ").map(String.init)
                guard let install = words.firstIndex(of: "install"), words[..<install].contains("apt-get") else { continue }
                packages.formUnion(words[(install + 1)...].filter { !$0.hasPrefix("-") && !$0.contains("=") })
            }
        }
        return packages
    }

    @Test("a Swift build stage and a slim Debian runtime stage on the same release")
    func stages() throws {
        #expect(file.stages.count >= 2)
        let build = try #require(buildStage, "a stage named 'build'")
        let runtime = try #require(file.finalStage)
        #expect(build.base.hasPrefix("swift:"), "build stage base: \(build.base)")
        #expect(runtime.base.hasPrefix("debian:") && runtime.base.hasSuffix("-slim"), "runtime base: \(runtime.base)")
        // The binary links glibc, libssl and librabbitmq dynamically: build and run on one release.
        for release in ["bookworm", "trixie", "bullseye"] where build.base.contains(release) {
            #expect(runtime.base.contains(release), "build on \(release), run on \(runtime.base)")
        }
    }

    @Test("the Swift image is at least the package's tools version")
    func swiftVersion() throws {
        let build = try #require(buildStage)
        let manifest = try Repository.text("Package.swift")
        let tools = try #require(matches(of: #"swift-tools-version:\s*([0-9.]+)"#, in: manifest).first)
        let image = try #require(matches(of: #"^swift:([0-9]+\.[0-9]+)"#, in: build.base).first, "a versioned swift image tag")
        let version = { (text: String) in text.split(separator: ".").prefix(2).map { Int($0) ?? 0 } }
        #expect(version(image).lexicographicallyPrecedes(version(tools)) == false, "swift:\(image) is older than tools \(tools)")
    }

    @Test("the build stage installs librabbitmq-dev and builds the static release binary")
    func build() throws {
        let build = try #require(buildStage)
        #expect(Self.installedPackages(build).isSuperset(of: ["librabbitmq-dev", "pkg-config"]))
        let runs = build.all("RUN").map(\.arguments).joined(separator: "\n")
        #expect(runs.contains("swift build -c release --static-swift-stdlib --product hipcall-sync"))
    }

    @Test("the runtime stage has the runtime libraries only")
    func runtimePackages() throws {
        let runtime = try #require(file.finalStage)
        let packages = Self.installedPackages(runtime)
        #expect(packages.isSuperset(of: ["librabbitmq4", "ca-certificates"]), "\(packages)")
        #expect(packages.filter { $0.hasSuffix("-dev") }.isEmpty, "no -dev packages at runtime: \(packages)")
        #expect(!packages.contains { $0.hasPrefix("swift") })
    }

    @Test("the runtime runs as a non-root user")
    func user() throws {
        let runtime = try #require(file.finalStage)
        let user = try #require(runtime.last("USER"), "USER in the final stage").arguments
        let name = String(user.split(separator: ":")[0])
        #expect(!["root", "0"].contains(name), "USER \(user)")
        if Int(name) == nil {
            let runs = runtime.all("RUN").map(\.arguments).joined(separator: "\n")
            #expect(runs.contains("useradd") && runs.contains(name), "USER \(name) is created in the stage")
        }
        // USER comes after the last RUN that needs root (apt-get).
        let userLine = try #require(runtime.last("USER")).line
        #expect(runtime.all("RUN").allSatisfy { $0.line < userLine })
    }

    /// Packages every Debian image has (priority required): no need to install them.
    static let basePackages: Set<String> = ["libc6", "libgcc-s1"]

    #if os(Linux)
    @Test("the runtime stage installs the Debian package of every shared library the binary links")
    func sharedLibraries() throws {
        #expect(ProgramHelp.binaryExists(), "build first")
        let ldd = try Shell.run("/usr/bin/ldd", [ProgramHelp.binary.path])
        // The debug binary links the Swift runtime dynamically; the release image links it statically.
        let libraries = matches(of: #"=> (/\S+)"#, in: ldd).filter { !$0.contains("/swift") && !$0.hasPrefix("/opt/") }
        #expect(libraries.contains { $0.contains("librabbitmq") }, "\(ldd)")
        let installed = Self.installedPackages(try #require(file.finalStage))
        for library in libraries {
            let name = URL(fileURLWithPath: library).lastPathComponent
            let candidates = [library, "/usr/lib/x86_64-linux-gnu/\(name)", "/usr/lib/aarch64-linux-gnu/\(name)", URL(fileURLWithPath: library).resolvingSymlinksInPath().path]
            let owner = candidates.lazy.compactMap { try? Shell.run("/usr/bin/dpkg", ["-S", $0]) }.first
            let package = try #require(owner.flatMap { $0.split(separator: ":").first.map(String.init) }, "no Debian package owns \(library)")
            #expect(installed.contains(package) || Self.basePackages.contains(package), "\(library) comes from \(package), which the runtime stage does not install")
        }
    }
    #endif

    @Test("a HEALTHCHECK probes /healthz on the metrics port with a tool the image has")
    func healthcheck() throws {
        let runtime = try #require(file.finalStage)
        let check = try #require(runtime.last("HEALTHCHECK"), "HEALTHCHECK in the final stage").arguments
        #expect(check.contains(" CMD ") || check.hasPrefix("CMD "))
        #expect(check.contains("/healthz"))
        #expect(check.contains("9090"), "the worker's default metrics port")
        let tool = try #require(check.components(separatedBy: "CMD ").last?.split(separator: " ").first.map(String.init))
        #expect(Self.installedPackages(runtime).contains(tool) || tool == "bash" || tool == "/usr/local/bin/hipcall-sync", "\(tool) is not installed")
    }

    @Test("every COPY source exists in the repository and is not docker-ignored")
    func copySources() throws {
        var stageNames: Set<String> = []
        var sawCopy = false
        let ignore = try DockerIgnore(path: "docker/Dockerfile.dockerignore")
        for stage in file.stages {
            for copy in stage.all("COPY") + stage.all("ADD") {
                sawCopy = true
                guard let sources = Dockerfile.copySources(copy.arguments) else {
                    let from = try #require(matches(of: #"--from=(\S+)"#, in: copy.arguments).first)
                    #expect(stageNames.contains(from), "line \(copy.line): --from=\(from) is no earlier stage")
                    continue
                }
                #expect(!sources.isEmpty, "line \(copy.line): COPY without a source")
                for source in sources {
                    let path = source.hasPrefix("./") ? String(source.dropFirst(2)) : source
                    #expect(Repository.exists(path), "line \(copy.line): \(source) does not exist (context: repository root)")
                    #expect(!ignore.excludes(path), "line \(copy.line): \(source) is excluded by Dockerfile.dockerignore")
                }
            }
            if let name = stage.name { stageNames.insert(name) }
        }
        #expect(sawCopy)
    }

    @Test("the binary the ENTRYPOINT runs is the one copied from the build stage")
    func entrypoint() throws {
        let runtime = try #require(file.finalStage)
        let entrypoint = try #require(runtime.last("ENTRYPOINT").flatMap { Dockerfile.execForm($0.arguments) })
        let copies = runtime.all("COPY").map(\.arguments).filter { $0.contains("--from=build") }
        #expect(copies.contains { $0.hasSuffix(" \(entrypoint[0])") }, "\(entrypoint[0]) is not copied from the build stage")
        #expect(runtime.last("EXPOSE")?.arguments.split(separator: " ").contains("9090") == true)
    }
}

/// The subset of .dockerignore syntax the project uses: `**`, `path`, `dir/**`, and `!` re-includes.
struct DockerIgnore {
    var rules: [(negated: Bool, pattern: String)] = []

    init(path: String) throws {
        guard Repository.exists(path) else { return }
        for line in try Repository.text(path).split(separator: "\n") {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty, !trimmed.hasPrefix("#") else { continue }
            let negated = trimmed.hasPrefix("!")
            rules.append((negated, negated ? String(trimmed.dropFirst()) : trimmed))
        }
    }

    static func matches(_ pattern: String, _ path: String) -> Bool {
        if pattern == "**" || pattern == "*" { return true }
        if pattern.hasSuffix("/**") { let directory = String(pattern.dropLast(3)); return path == directory || path.hasPrefix(directory + "/") }
        return path == pattern || path.hasPrefix(pattern + "/")
    }

    /// Whether `path` (a file or a directory copied whole) is left out of the context.
    func excludes(_ path: String) -> Bool {
        var excluded = false
        for rule in rules where Self.matches(rule.pattern, path) || (rule.negated && rule.pattern.hasPrefix(path + "/")) {
            excluded = !rule.negated
        }
        return excluded
    }
}

/// Runs a program and returns its standard output; throws when it exits non-zero.
enum Shell {
    static func run(_ executable: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw PackagingError("\(executable) \(arguments) exited \(process.terminationStatus)") }
        return String(decoding: data, as: UTF8.self)
    }
}
