import FarameshCore
import FarameshTestSupport
import Foundation
import Hummingbird
import Logging
import Testing
import Yams

@testable import FarameshServer

/// The three lists of routes agree: the router's real routes, `RouteTable` (405 vs 404) and the
/// OpenAPI document; and the document carries the product version.
@Suite struct OpenAPIRouteTests {
    /// "METHOD /path" with every capture written as `{}`.
    static func key(_ method: String, _ segments: [String]) -> String {
        "\(method) /" + segments.map { $0.hasPrefix(":") || $0.hasPrefix("{") ? "{}" : $0 }.joined(separator: "/")
    }

    /// The router's routes as keys, without HEAD: HEAD is allowed wherever GET is
    /// (`RouteTable.allowedMethods`, `HeadAsGetResponder`); the web UI also registers it explicitly.
    /// Also the HEAD routes that have no GET.
    static func served(_ router: Router<AppRequestContext>) -> (Set<String>, [String]) {
        var all: Set<String> = []
        for route in router.routes {
            all.insert(key(route.method.rawValue, route.path.description.split(separator: "/").map(String.init)))
        }
        let heads = all.filter { $0.hasPrefix("HEAD ") }
        let orphans = heads.filter { !all.contains("GET " + $0.dropFirst(5)) }.sorted()
        return (all.subtracting(heads), orphans)
    }

    @Test func documentCarriesTheProductVersion() throws {
        #expect(!OpenAPIDocument.yaml.contains("@FARAMESH_VERSION@"))
        #expect(!OpenAPIDocument.yaml.contains(OpenAPIDocument.versionPlaceholder))
        let document = try #require(try Yams.load(yaml: OpenAPIDocument.yaml) as? [String: Any])
        let info = try #require(document["info"] as? [String: Any])
        #expect(info["version"] as? String == FarameshVersion.current)
        #expect(GatekeeperConfiguration().runtimeVersion == FarameshVersion.current)
        #expect(OpenAPIDocument.bytes == Array(OpenAPIDocument.yaml.utf8))
    }

    @Test func documentListsExactlyTheRouteTable() throws {
        let document = try #require(try Yams.load(yaml: OpenAPIDocument.yaml) as? [String: Any])
        let paths = try #require(document["paths"] as? [String: Any])
        var documented: Set<String> = []
        for (path, item) in paths {
            let methods = (item as? [String: Any] ?? [:]).keys.filter {
                ["get", "post", "put", "delete", "patch"].contains($0)
            }
            let segments = path.split(separator: "/").map(String.init)
            for method in methods { documented.insert(Self.key(method.uppercased(), segments)) }
        }
        let table = Set(RouteTable.routes.flatMap { route in route.methods.map { Self.key($0, route.segments) } })
        #expect(documented == table)
    }

    @Test(arguments: TestBackend.all) func routerServesExactlyTheRouteTable(_ backend: TestBackend) async throws {
        try await ServerHarness.run(backend) { h in
            let logger = Logger(label: "route-test")
            let hub = EventHub(feed: h.store, metrics: h.metrics, readiness: h.readiness, logger: logger)
            for metricsPublic in [false, true] {
                var configuration = h.configuration
                configuration.metricsPublic = metricsPublic
                let router = FarameshApplication.buildRouter(
                    configuration: configuration,
                    store: h.store,
                    policy: h.policy,
                    metrics: h.metrics,
                    readiness: h.readiness,
                    authenticator: Authenticator(configuration: configuration, store: h.store),
                    eventHub: hub
                )
                let (served, headsWithoutGet) = Self.served(router)
                #expect(headsWithoutGet.isEmpty)
                let table = Set(
                    (RouteTable.routes + RouteTable.pageRoutes).flatMap { route in
                        route.methods.map { Self.key($0, route.segments) }
                    }
                )
                #expect(
                    served == table,
                    "router: \(served.subtracting(table)), table only: \(table.subtracting(served))"
                )
            }
        }
    }
}
