import ArgumentParser
import FarameshServer
import Testing

@testable import faramesh

@Suite("Configuration precedence: flags > FARAMESH_* > FARA_* > .env > defaults")
struct SettingsTests {
    private func serve(
        _ args: [String],
        env: [String: String] = [:],
        dotEnv: String = ""
    ) throws -> GatekeeperConfiguration {
        let options = try ServeOptions.parse(args)
        let source = SettingsSource(environment: env, dotEnv: try DotEnv(parsing: dotEnv))
        return try ServeSettings.resolve(options, source)
    }

    @Test func defaults() throws {
        let c = try serve([])
        #expect(c.host == "127.0.0.1")
        #expect(c.port == 8000)
        #expect(c.authMode == .local)
        #expect(c.enableCORS == false)
        #expect(c.hotReload == false)
        #expect(c.policyFile == nil)
        #expect(c.defaultApprovalTimeout == .seconds(3600))
    }

    @Test func flagBeatsEnvironmentBeatsLegacyBeatsDotEnv() throws {
        let dot = "FARAMESH_PORT=7001\nFARA_POLICY_FILE=dot.yaml\n"
        #expect(try serve([], dotEnv: dot).port == 7001)
        #expect(try serve([], env: ["FARA_API_PORT": "7002"], dotEnv: dot).port == 7002)
        #expect(try serve([], env: ["FARA_API_PORT": "7002", "FARAMESH_PORT": "7003"], dotEnv: dot).port == 7003)
        #expect(try serve(["--port", "7004"], env: ["FARAMESH_PORT": "7003"], dotEnv: dot).port == 7004)
        #expect(try serve([], dotEnv: dot).policyFile == "dot.yaml")
        #expect(try serve([], env: ["FARA_POLICY_FILE": "legacy.yaml"], dotEnv: dot).policyFile == "legacy.yaml")
        #expect(
            try serve(["--policy", "flag.yaml"], env: ["FARAMESH_POLICY_FILE": "new.yaml"]).policyFile == "flag.yaml"
        )
    }

    @Test func executorsFileFlagBeatsEnvironmentBeatsDotEnv() throws {
        #expect(try serve([]).executors.file == nil)
        let dot = "FARAMESH_EXECUTORS_FILE=dot.yaml\n"
        #expect(try serve([], dotEnv: dot).executors.file == "dot.yaml")
        #expect(try serve([], env: ["FARAMESH_EXECUTORS_FILE": "env.yaml"], dotEnv: dot).executors.file == "env.yaml")
        #expect(
            try serve(["--executors", "flag.yaml"], env: ["FARAMESH_EXECUTORS_FILE": "env.yaml"]).executors.file
                == "flag.yaml"
        )
    }

    @Test func tokensFromFarameshTokenThenLegacy() throws {
        #expect(try serve([], env: ["FARA_AUTH_TOKEN": "a, b"]).bootstrapTokens == ["a", "b"])
        #expect(try serve([], env: ["FARA_AUTH_TOKEN": "a", "FARAMESH_TOKEN": "c"]).bootstrapTokens == ["c"])
        #expect(try serve([], env: ["FARAMESH_TOKEN": "c"]).authMode == .tokens)
    }

    @Test func refusesRemoteBindWithoutToken() throws {
        #expect(throws: SettingsError.self) { try serve(["--host", "0.0.0.0"]) }
        #expect(try serve(["--host", "0.0.0.0"], env: ["FARAMESH_TOKEN": "t"]).host == "0.0.0.0")
        #expect(try serve(["--host", "0.0.0.0", "--allow-unauthenticated-remote"]).host == "0.0.0.0")
        #expect(try serve(["--host", "localhost"]).host == "localhost")
    }

    @Test func booleansAndDurations() throws {
        #expect(try serve([], env: ["FARAMESH_HOT_RELOAD": "1"]).hotReload)
        #expect(try serve(["--watch"]).hotReload)
        #expect(try serve([], env: ["FARAMESH_ENABLE_CORS": "1"]).enableCORS)
        #expect(throws: SettingsError.self) { try serve([], env: ["FARAMESH_ENABLE_CORS": "maybe"]) }
        #expect(try serve(["--approval-timeout", "30m"]).defaultApprovalTimeout == .seconds(1800))
        #expect(throws: SettingsError.self) { try serve(["--approval-timeout=-5s"]) }
        #expect(throws: SettingsError.self) { try serve(["--tls-cert", "c.pem"]) }
        #expect(throws: SettingsError.self) { try serve([], env: ["FARAMESH_PORT": "eighty"]) }
    }

    @Test func databaseBackendSelection() throws {
        func db(_ args: [String], env: [String: String] = [:]) throws -> DatabaseSettings {
            try DatabaseSettings.resolve(try DatabaseOptions.parse(args), SettingsSource(environment: env))
        }
        #expect(try db([]).backend == .sqlite)
        #expect(try db([]).sqlitePath == "data/actions.db")
        #expect(try db([], env: ["FARA_POSTGRES_DSN": "postgres://u@127.0.0.1/db"]).backend == .postgres)
        #expect(try db(["--dsn", "postgres://u@h/db"]).postgresDSN == "postgres://u@h/db")
        #expect(throws: SettingsError.self) { try db([], env: ["FARA_DB_BACKEND": "postgres"]) }
        #expect(throws: SettingsError.self) { try db([], env: ["FARA_DB_BACKEND": "mysql"]) }
        // Pool: small default; below 3 the listener and the sealer would starve every request.
        #expect(try db([]).poolSize == 4)
        #expect(try db(["--db-pool-size", "12"], env: ["FARAMESH_DB_POOL_SIZE": "6"]).poolSize == 12)
        #expect(try db([], env: ["FARAMESH_DB_POOL_SIZE": "3"]).poolSize == 3)
        #expect(throws: SettingsError.self) { try db([], env: ["FARAMESH_DB_POOL_SIZE": "2"]) }
    }

    @Test func dotEnvParsing() throws {
        let env = try DotEnv(
            parsing: """
                # comment
                export A=1
                B = "two words" 
                C='x#y'
                D=plain # trailing comment
                E="line\\nbreak"

                """
        )
        #expect(env.values == ["A": "1", "B": "two words", "C": "x#y", "D": "plain", "E": "line\nbreak"])
        #expect(throws: DotEnv.ParseError.self) { try DotEnv(parsing: "NOEQUALS") }
        #expect(throws: DotEnv.ParseError.self) { try DotEnv(parsing: "A=\"open") }
    }
}
