import ArgumentParser
import FarameshServer
import Testing

@testable import faramesh

/// `faramesh serve` connection settings and the loopback bind check (issue 10).
@Suite("serve: connection limits, timeouts and the loopback check")
struct NetworkSettingsTests {
    private func serve(_ args: [String], env: [String: String] = [:]) throws -> GatekeeperConfiguration {
        try ServeSettings.resolve(
            try ServeOptions.parse(args),
            SettingsSource(environment: env, dotEnv: try DotEnv(parsing: ""))
        )
    }

    @Test("timeouts: defaults, FARAMESH_* and flags")
    func timeouts() throws {
        let defaults = try serve([])
        #expect(defaults.connections.idleTimeout == .seconds(60))
        #expect(defaults.connections.headerTimeout == .seconds(10))
        #expect(defaults.connections.bodyTimeout == .seconds(30))
        let env = try serve(
            [],
            env: ["FARAMESH_IDLE_TIMEOUT": "5s", "FARAMESH_HEADER_TIMEOUT": "2s", "FARAMESH_BODY_TIMEOUT": "3s"]
        )
        #expect(env.connections.idleTimeout == .seconds(5))
        #expect(env.connections.headerTimeout == .seconds(2))
        #expect(env.connections.bodyTimeout == .seconds(3))
        let flags = try serve(
            ["--idle-timeout", "7s", "--header-timeout", "1s", "--body-timeout", "4s"],
            env: ["FARAMESH_IDLE_TIMEOUT": "5s"]
        )
        #expect(flags.connections.idleTimeout == .seconds(7))
        #expect(flags.connections.headerTimeout == .seconds(1))
        #expect(flags.connections.bodyTimeout == .seconds(4))
        #expect(throws: SettingsError.self) { try serve(["--body-timeout", "0s"]) }
    }

    @Test("connection caps fit under RLIMIT_NOFILE; explicit caps that do not fit are refused")
    func caps() throws {
        let limit = ServeSettings.raiseDescriptorLimit()
        let c = try serve([])
        #expect(c.connections.maxConnections + c.eventStream.maxClients + ConnectionLimits.reservedDescriptors <= limit)
        #expect(c.connections.maxConnections >= 1 && c.eventStream.maxClients >= 1)
        #expect(try serve(["--max-connections", "50"]).connections.maxConnections == 50)
        #expect(try serve([], env: ["FARAMESH_MAX_CONNECTIONS": "60"]).connections.maxConnections == 60)
        #expect(throws: SettingsError.self) { try serve(["--max-connections", String(limit)]) }
        #expect(throws: SettingsError.self) { try serve(["--max-connections", "0"]) }
    }

    @Test("cap fitting for small and large descriptor limits")
    func capArithmetic() throws {
        let small = try ConnectionLimits.caps(descriptorLimit: 1024, maxConnections: nil, maxEventStreams: nil)
        #expect(small.maxConnections + small.maxEventStreams == 1024 - ConnectionLimits.reservedDescriptors)
        #expect(small.maxConnections == 448 && small.maxEventStreams == 448)
        let large = try ConnectionLimits.caps(descriptorLimit: 1_048_576, maxConnections: nil, maxEventStreams: nil)
        #expect(large.maxConnections == ConnectionLimits.defaultMaxConnections && large.maxEventStreams == 10_000)
        let sse = try ConnectionLimits.caps(descriptorLimit: 1024, maxConnections: nil, maxEventStreams: 100)
        #expect(sse.maxEventStreams == 100 && sse.maxConnections == 796)
        #expect(throws: ConnectionLimits.CapError.self) {
            try ConnectionLimits.caps(descriptorLimit: 1024, maxConnections: 800, maxEventStreams: 200)
        }
        #expect(throws: ConnectionLimits.CapError.self) {
            try ConnectionLimits.caps(descriptorLimit: 100, maxConnections: nil, maxEventStreams: nil)
        }
    }

    @Test("the loopback check resolves the host: every address must be loopback")
    func loopbackResolves() throws {
        for host in ["127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost", "::ffff:127.0.0.1"] {
            #expect(ServeSettings.isLoopback(host), "\(host)")
        }
        // Text that merely starts like a loopback address is not one.
        for host in [
            "127.0.0.1.nip.io.invalid", "127.attacker.invalid", "0.0.0.0", "::", "10.0.0.1", "192.168.1.1", "",
        ] {
            #expect(!ServeSettings.isLoopback(host), "\(host)")
        }
        #expect(throws: SettingsError.self) { try serve(["--host", "127.evil.invalid"]) }
        #expect(try serve(["--host", "127.0.0.5"]).host == "127.0.0.5")
    }
}
