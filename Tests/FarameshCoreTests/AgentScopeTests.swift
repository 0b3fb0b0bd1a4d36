import FarameshCore
import Testing

@Suite struct AgentScopeTests {
    @Test func ownNameIsExactEvenWithStars() {
        let scope = AgentScope(name: "team-*")
        #expect(scope.allows("team-*"))
        #expect(!scope.allows("team-a"))
        #expect(!scope.allowsEverything)
        #expect(scope.entries == ["team-*"])
    }

    @Test func entriesMixExactNamesAndGlobs() {
        let scope = AgentScope(entries: ["billing-bot", "team-*", "*-ops", "a*b*c", "billing-bot"])
        for allowed in ["billing-bot", "team-", "team-x", "db-ops", "-ops", "abc", "a-b-c", "aXbYc"] {
            #expect(scope.allows(allowed), "\(allowed)")
        }
        for refused in ["billing-bot2", "Billing-bot", "tea", "TEAM-x", "db-ops2", "acb", "ab", ""] {
            #expect(!scope.allows(refused), "\(refused)")
        }
        #expect(scope.entries == ["billing-bot", "team-*", "*-ops", "a*b*c"])
        #expect(AgentScope(entries: ["x", "*"]).allowsEverything)
    }

    @Test func matchingIsByteExactLikeThePolicy() {
        // "é" precomposed vs e + combining acute: equal as Swift Strings, different agents here.
        let scope = AgentScope(entries: ["caf\u{E9}"])
        #expect(scope.allows("caf\u{E9}"))
        #expect(!scope.allows("cafe\u{301}"))
    }
}
