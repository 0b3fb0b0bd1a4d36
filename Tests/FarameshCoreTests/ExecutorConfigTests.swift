import Testing

@testable import FarameshCore

@Suite("Executor configuration")
struct ExecutorConfigTests {
    static func compile(_ yaml: String) throws(PolicyLoadError) -> ExecutorCatalog {
        try ExecutorCatalog.compile(yaml: yaml, source: "executors.yaml")
    }

    /// The load error's text (file, line, key path, message).
    static func failure(_ yaml: String) -> String {
        do {
            _ = try compile(yaml)
            return "(compiled)"
        } catch {
            return error.description
        }
    }

    @Test("the documented example compiles with every field")
    func fullEntry() throws {
        let catalog = try Self.compile(
            """
            executors:
              - tool: deploy
                operation: run
                name: deploy-service
                command: ["/usr/local/bin/deploy", "--service", "{params.service}"]
                timeout: 30s
                max_output_bytes: 1024
                working_directory: /var/lib/faramesh/work
                environment: {PATH: "/usr/bin:/bin", LANG: C.UTF-8}
            """
        )
        #expect(catalog.executors.count == 1)
        let spec = try #require(catalog.executors.first)
        #expect(spec.index == 0)
        #expect(spec.name == "deploy-service")
        #expect(spec.tool == "deploy")
        #expect(spec.operation == "run")
        #expect(spec.executable == "/usr/local/bin/deploy")
        #expect(spec.arguments.map(\.description) == ["/usr/local/bin/deploy", "--service", "{params.service}"])
        #expect(spec.timeout == .seconds(30))
        #expect(spec.maxOutputBytes == 1024)
        #expect(spec.workingDirectory == "/var/lib/faramesh/work")
        #expect(spec.environment == ["PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"])
        #expect(spec.environmentStrings == ["LANG=C.UTF-8", "PATH=/usr/bin:/bin"])
    }

    @Test("defaults: 60s, 64 KiB, PATH only, private temp dir, name from tool and operation")
    func defaults() throws {
        let catalog = try Self.compile(
            """
            executors:
              - tool: echo
                command: [/bin/echo]
              - tool: other
                operation: op
                command: [/bin/true]
            """
        )
        let spec = catalog.executors[0]
        #expect(spec.timeout == .seconds(60))
        #expect(spec.maxOutputBytes == 65_536)
        #expect(spec.environment == ["PATH": "/usr/bin:/bin"])
        #expect(spec.workingDirectory == nil)
        #expect(spec.operation == nil)
        #expect(spec.name == "echo")
        #expect(catalog.executors[1].name == "other/op")
        #expect(catalog.tools == ["echo", "other"])
    }

    @Test("no entries: an empty catalog")
    func empty() throws {
        #expect(try Self.compile("executors: []").isEmpty)
        #expect(try Self.compile("executors:").isEmpty)
    }

    @Test("lookup: exact tool, operation narrows, first entry wins")
    func lookup() throws {
        let catalog = try Self.compile(
            """
            executors:
              - {tool: deploy, operation: run, command: [/bin/echo, run]}
              - {tool: deploy, command: [/bin/echo, any]}
            """
        )
        #expect(catalog.executor(tool: "deploy", operation: "run")?.index == 0)
        #expect(catalog.executor(tool: "deploy", operation: "status")?.index == 1)
        #expect(catalog.executor(tool: "deploy2", operation: "run") == nil)
        #expect(catalog.executor(tool: "Deploy", operation: "run") == nil)
    }

    @Test("unknown keys are errors that name the entry and suggest the key")
    func unknownKey() {
        let message = Self.failure(
            """
            executors:
              - tool: a
                command: [/bin/echo]
              - tool: b
                command: [/bin/echo]
                timout: 5s
            """
        )
        #expect(message.contains("executors.yaml:6"))
        #expect(message.contains("executors[1]"))
        #expect(message.contains("unknown key 'timout'"))
        #expect(message.contains("did you mean 'timeout'"))
        #expect(Self.failure("executor: []").contains("unknown key 'executor'"))
    }

    @Test("bad timeouts: no unit, not positive, over 1h")
    func badTimeout() {
        for value in ["30", "0s", "-5s", "fast", "2h", "61m"] {
            let message = Self.failure(
                """
                executors:
                  - tool: a
                    command: [/bin/echo]
                    timeout: \(value)
                """
            )
            #expect(message.contains("executors[0].timeout"), "\(value): \(message)")
        }
        #expect(Self.failure("executors:\n  - {tool: a, command: [/bin/echo], timeout: 2h}").contains("at most 1h"))
        #expect((try? Self.compile("executors:\n  - {tool: a, command: [/bin/echo], timeout: 1h}")) != nil)
    }

    @Test("missing tool or command")
    func missingRequired() {
        let noTool = Self.failure(
            """
            executors:
              - tool: a
                command: [/bin/echo]
              - command: [/bin/echo]
            """
        )
        #expect(noTool.contains("executors[1]"))
        #expect(noTool.contains("missing required key 'tool'"))
        #expect(Self.failure("executors:\n  - {tool: a}").contains("missing required key 'command'"))
        #expect(Self.failure("executors:\n  - {tool: '', command: [/bin/echo]}").contains("must not be empty"))
    }

    @Test("command: a non-empty list, absolute fixed program")
    func badCommand() {
        #expect(
            Self.failure("executors:\n  - {tool: a, command: '/bin/echo hi'}").contains("never run through a shell")
        )
        #expect(Self.failure("executors:\n  - {tool: a, command: []}").contains("must not be empty"))
        #expect(Self.failure("executors:\n  - {tool: a, command: [echo, hi]}").contains("absolute path"))
        #expect(Self.failure("executors:\n  - {tool: a, command: ['/bin/{params.x}']}").contains("command[0]"))
        #expect(Self.failure("executors:\n  - {tool: a, command: [/bin/echo, [x]]}").contains("command[1]"))
    }

    @Test("placeholder syntax errors are start-up errors")
    func placeholderErrors() {
        for argument in ["{params.}", "{params.a b}", "--x={params.name", "{params.a.b}", "{params.é}"] {
            let message = Self.failure(
                """
                executors:
                  - tool: a
                    command: [/bin/echo, "\(argument)"]
                """
            )
            #expect(message.contains("executors[0].command[1]"), "\(argument): \(message)")
        }
    }

    @Test("output bound, working directory and environment are validated")
    func otherFields() {
        #expect(
            Self.failure("executors:\n  - {tool: a, command: [/bin/echo], max_output_bytes: 0}").contains(
                "max_output_bytes"
            )
        )
        #expect(
            Self.failure("executors:\n  - {tool: a, command: [/bin/echo], max_output_bytes: 2000000}").contains(
                "1048576"
            )
        )
        #expect(
            Self.failure("executors:\n  - {tool: a, command: [/bin/echo], max_output_bytes: 1.5}").contains(
                "whole number"
            )
        )
        #expect(
            Self.failure("executors:\n  - {tool: a, command: [/bin/echo], working_directory: work}").contains(
                "absolute path"
            )
        )
        #expect(
            Self.failure("executors:\n  - {tool: a, command: [/bin/echo], environment: {1X: y}}").contains(
                "variable names"
            )
        )
        #expect(
            Self.failure("executors:\n  - {tool: a, command: [/bin/echo], environment: [PATH]}").contains("mapping")
        )
        #expect(
            Self.failure("executors:\n  - {tool: a, command: [/bin/echo], environment: {A: [1]}}").contains(
                "environment.A"
            )
        )
    }

    @Test("an entry shadowed by an earlier one is an error")
    func shadowed() {
        let message = Self.failure(
            """
            executors:
              - {tool: deploy, command: [/bin/echo]}
              - {tool: deploy, operation: run, command: [/bin/echo]}
            """
        )
        #expect(message.contains("executors[1]"))
        #expect(message.contains("already covered by executors[0]"))
        #expect(
            (try? Self.compile(
                """
                executors:
                  - {tool: deploy, operation: run, command: [/bin/echo]}
                  - {tool: deploy, command: [/bin/echo]}
                """
            )) != nil
        )
    }

    @Test("YAML syntax errors keep their position")
    func syntax() {
        #expect(Self.failure("executors: [\n  - tool: a").hasPrefix("executors.yaml:"))
    }

    // MARK: argv templating

    static let params: JSONValue = .object([
        "service": .string("api server; rm -rf /"), "replicas": .int(3), "ratio": .double(0.5), "dry": .bool(true),
        "nothing": .null, "list": .array([.string("a")]), "map": .object([:]), "nul": .string("a\u{0}b"),
    ])

    @Test("placeholders take scalar values; each fills its own argv element")
    func render() throws {
        let spec = try #require(
            try Self.compile(
                """
                executors:
                  - tool: deploy
                    command: [/bin/echo, "{params.service}", "--replicas={params.replicas}", "{params.ratio}", "{params.dry}",
                              "awk '{print $1}'", "{params.replicas}-{params.dry}"]
                """
            ).executors.first
        )
        #expect(
            try spec.argv(params: Self.params) == [
                "/bin/echo", "api server; rm -rf /", "--replicas=3", "0.5", "true", "awk '{print $1}'", "3-true",
            ]
        )
    }

    @Test("a missing, null or non-scalar value fails instead of running with a blank")
    func renderFailures() throws {
        for (key, problem) in [
            ("absent", "is missing"), ("nothing", "is null"), ("list", "is a list"),
            ("map", "is an object"), ("nul", "contains a NUL"),
        ] {
            let template = try ArgvTemplate(parsing: "--x={params.\(key)}")
            do {
                _ = try template.render(params: Self.params)
                Issue.record("\(key) rendered")
            } catch {
                #expect(error.key == key)
                #expect(error.description.contains("params.\(key) \(problem)"), "\(error.description)")
            }
        }
        #expect(throws: ArgvTemplate.RenderError.self) {
            try ArgvTemplate(parsing: "{params.a}").render(params: .object([:]))
        }
    }

    @Test("literal text without placeholders is kept as written")
    func literals() throws {
        for text in ["", "plain", "{params", "{x}", "params.a}", "{{params.a}}x"] where !text.contains("{params.a}") {
            #expect(try ArgvTemplate(parsing: text).render(params: .object([:])) == text)
        }
        #expect(try ArgvTemplate(parsing: "{{params.a}}").render(params: .object(["a": .string("v")])) == "{v}")
    }
}
