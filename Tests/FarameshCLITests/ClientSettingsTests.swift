import ArgumentParser
import FarameshClient
import Testing

@testable import faramesh

@Suite("CLI client settings: base URL, token, timeout, global options")
struct ClientSettingsTests {
    private func resolve(
        _ args: [String],
        env: [String: String] = [:],
        dotEnv: String = ""
    ) throws -> FarameshClientConfiguration {
        let options = try ClientOptions.parse(args)
        return try ClientSettings.resolve(
            options,
            SettingsSource(environment: env, dotEnv: try DotEnv(parsing: dotEnv))
        )
    }

    @Test func defaultIsLoopbackPort8000() throws {
        let c = try resolve([])
        #expect(c.baseURL.text == "http://127.0.0.1:8000")
        #expect(c.token == nil)
        #expect(c.requestTimeout == .seconds(10))
        #expect(c.connectTimeout == .seconds(2))
    }

    @Test func fullURLFromEnvironmentWinsOverEverything() throws {
        let env = ["FARAMESH_BASE_URL": "https://gate.example.com/faramesh/", "FARAMESH_PORT": "9"]
        #expect(
            try resolve(["--host", "h", "--port", "1"], env: env).baseURL.text == "https://gate.example.com/faramesh"
        )
        #expect(try resolve([], env: ["FARA_API_BASE": "http://legacy:7000"]).baseURL.text == "http://legacy:7000")
        #expect(
            try resolve([], env: ["FARA_API_BASE": "http://legacy:7000", "FARAMESH_BASE_URL": "http://new:1"]).baseURL
                .text == "http://new:1"
        )
        #expect(try resolve([], dotEnv: "FARAMESH_BASE_URL=http://dot:5\n").baseURL.text == "http://dot:5")
    }

    @Test func flagsBeatHostAndPortVariables() throws {
        let env = [
            "FARAMESH_HOST": "envhost", "FARAMESH_PORT": "9001", "FARA_API_HOST": "legacy", "FARA_API_PORT": "9002",
        ]
        #expect(try resolve([], env: env).baseURL.text == "http://envhost:9001")
        #expect(try resolve(["--port", "7"], env: env).baseURL.text == "http://envhost:7")
        #expect(try resolve(["--host", "flag"], env: env).baseURL.text == "http://flag:9001")
        #expect(
            try resolve([], env: ["FARA_API_HOST": "legacy", "FARA_API_PORT": "9002"]).baseURL.text
                == "http://legacy:9002"
        )
        #expect(try resolve([], dotEnv: "FARAMESH_PORT=9100\n").baseURL.text == "http://127.0.0.1:9100")
    }

    @Test func wildcardBindAddressesAreReachedOnLoopback() throws {
        #expect(try resolve([], env: ["FARAMESH_HOST": "0.0.0.0"]).baseURL.text == "http://127.0.0.1:8000")
        #expect(try resolve(["--host", "::"]).baseURL.text == "http://[::1]:8000")
        #expect(try resolve(["--host", "::1", "--port", "81"]).baseURL.text == "http://[::1]:81")
    }

    @Test func tokenPrecedenceAndFirstOfAList() throws {
        #expect(try resolve([], env: ["FARA_AUTH_TOKEN": "legacy"]).token == "legacy")
        #expect(try resolve([], env: ["FARA_AUTH_TOKEN": "legacy", "FARAMESH_TOKEN": "new"]).token == "new")
        #expect(try resolve(["--token", "flag"], env: ["FARAMESH_TOKEN": "new"]).token == "flag")
        #expect(try resolve([], env: ["FARAMESH_TOKEN": " first , second"]).token == "first")
    }

    @Test func timeoutAndInvalidValues() throws {
        #expect(try resolve(["--timeout", "500ms"]).requestTimeout == .milliseconds(500))
        #expect(try resolve([], env: ["FARAMESH_TIMEOUT": "30s"]).requestTimeout == .seconds(30))
        #expect(throws: SettingsError.self) { try resolve(["--timeout", "soon"]) }
        #expect(throws: SettingsError.self) { try resolve([], env: ["FARAMESH_PORT": "eighty"]) }
        #expect(throws: SettingsError.self) { try resolve(["--port", "70000"]) }
        #expect(throws: FarameshClientError.self) { try resolve([], env: ["FARAMESH_BASE_URL": "ftp://x"]) }
        #expect(throws: FarameshClientError.self) { try resolve([], env: ["FARAMESH_BASE_URL": "http://h/?q=1"]) }
    }

    @Test func globalOptionsBeforeTheCommandMoveAfterIt() {
        #expect(
            ClientOptions.hoistGlobalOptions(["--json", "--port", "9", "get", "abcd1234"])
                == ["get", "abcd1234", "--json", "--port", "9"]
        )
        #expect(
            ClientOptions.hoistGlobalOptions(["--host=h", "--token", "t", "list", "--limit", "3"])
                == ["list", "--limit", "3", "--host=h", "--token", "t"]
        )
        #expect(
            ClientOptions.hoistGlobalOptions(["--json", "policy", "test", "p.yaml", "--", "x"])
                == ["policy", "test", "p.yaml", "--json", "--", "x"]
        )
        // Nothing to move, or nothing after the options: unchanged (ArgumentParser reports errors).
        #expect(ClientOptions.hoistGlobalOptions(["list", "--json"]) == ["list", "--json"])
        #expect(ClientOptions.hoistGlobalOptions(["--json"]) == ["--json"])
        #expect(ClientOptions.hoistGlobalOptions(["--port"]) == ["--port"])
        #expect(ClientOptions.hoistGlobalOptions(["--json", "--help"]) == ["--json", "--help"])
        #expect(ClientOptions.hoistGlobalOptions(["serve", "--host", "0.0.0.0"]) == ["serve", "--host", "0.0.0.0"])
    }

    @Test func hoistedArgumentsParseIntoTheSubcommand() throws {
        let command = try Faramesh.parseAsRoot(
            ClientOptions.hoistGlobalOptions(["--json", "--port", "9001", "list", "--limit", "5"])
        )
        let list = try #require(command as? ListCommand)
        #expect(list.global.json)
        #expect(list.global.port == 9001)
        #expect(list.limit == 5)
        // serve keeps its own --host/--port.
        let serve = try #require(
            try Faramesh.parseAsRoot(["serve", "--host", "127.0.0.2", "--port", "7"]) as? ServeCommand
        )
        #expect(serve.options.host == "127.0.0.2")
        #expect(serve.options.port == 7)
    }

    @Test func actionReferencesAreValidatedLocally() throws {
        try ActionReference.validate("2755d4a8")
        try ActionReference.validate("2755D4A8-1000")
        try ActionReference.validate("2755d4a8-1000-47e6-873c-b9fd535234ad")
        #expect(throws: ValidationError.self) { try ActionReference.validate("2755d4a") }
        #expect(throws: ValidationError.self) { try ActionReference.validate("zzzzzzzz") }
        #expect(throws: ValidationError.self) { try ActionReference.validate("../../etc") }
    }

    @Test func baseURLJoinsPathsAndEncodesQueries() throws {
        let base = try BaseURL("http://127.0.0.1:8000/")
        #expect(
            base.url("/v1/actions", query: [("tool", "a b&c"), ("limit", "5")])
                == "http://127.0.0.1:8000/v1/actions?tool=a%20b%26c&limit=5"
        )
        #expect(try BaseURL(host: "::1", port: 8000).text == "http://[::1]:8000")
        #expect(throws: FarameshClientError.self) { try BaseURL("127.0.0.1:8000") }
    }
}
