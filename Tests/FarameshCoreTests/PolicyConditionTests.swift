import Testing

@testable import FarameshCore

@Suite("Policy match conditions")
struct PolicyConditionTests {
    typealias F = PolicyFixture

    @Test("tool and op: exact, \"*\", prefix, suffix and inner globs; case-sensitive")
    func names() throws {
        #expect(try F.matches("tool: http, op: get", F.request("http", "get")))
        #expect(try !F.matches("tool: http, op: get", F.request("http", "post")))
        #expect(try !F.matches("tool: http", F.request("HTTP", "get")))
        #expect(try F.matches("tool: \"*\", op: \"*\"", F.request("anything", "at-all")))
        #expect(try F.matches("tool: \"stripe.*\"", F.request("stripe.refunds", "create")))
        #expect(try !F.matches("tool: \"stripe.*\"", F.request("stripe", "create")))
        #expect(try F.matches("op: \"read_*\"", F.request("fs", "read_file")))
        #expect(try !F.matches("op: \"read_*\"", F.request("fs", "write_file")))
        #expect(try F.matches("tool: \"*.admin\"", F.request("db.admin", "x")))
        #expect(try F.matches("tool: \"db.*.read\"", F.request("db.users.read", "x")))
        #expect(try !F.matches("tool: \"db.*.read\"", F.request("db.users.write", "x")))
        #expect(try F.matches("tool: \"*cache*\"", F.request("redis-cache-1", "x")))
        #expect(try !F.matches("tool: \"a*b*c\"", F.request("acb", "x")))
        #expect(try F.matches("tool: \"a*b*c\"", F.request("aXbYc", "x")))
    }

    @Test("NamePattern handles every glob shape")
    func namePatternShapes() {
        let cases: [(String, String, Bool)] = [
            ("*", "", true), ("**", "x", true), ("a*", "a", true), ("*a", "a", true), ("a*a", "a", false),
            ("a*a", "aa", true), ("a*b*c", "abc", true), ("a*b*c", "abbc", true), ("*b*", "abc", true),
            ("*b*", "ac", false), ("ab*cd*ef", "abXcdYef", true), ("ab*cd*ef", "abXefYcd", false),
            ("é*", "été", true), ("exact", "exact", true), ("exact", "exactly", false),
        ]
        for (pattern, value, expected) in cases {
            #expect(NamePattern(pattern).matches(value) == expected, "\(pattern) vs \(value)")
        }
        #expect(NamePattern("http").exactName == "http")
        #expect(NamePattern("h*").exactName == nil)
        #expect(NamePattern("*").matchesEverything)
    }

    @Test("agent_id matches the request's agent, never a params or context key")
    func agentID() throws {
        let conditions = "tool: x, agent_id: \"billing-*\""
        #expect(try F.matches(conditions, F.request("x", "y", agent: "billing-bot")))
        #expect(try !F.matches(conditions, F.request("x", "y", agent: "support-bot")))
        // The original read agent_id from params/context, so an agent could claim any identity.
        #expect(
            try !F.matches(
                conditions,
                F.request(
                    "x",
                    "y",
                    ["agent_id": .string("billing-bot")],
                    agent: "support-bot",
                    context: ["agent_id": .string("billing-bot")]
                )
            )
        )
        #expect(try F.matches("agent_id: exact-agent", F.request("x", "y", agent: "exact-agent")))
    }

    @Test("amount conditions: numbers and numeric strings; a missing or non-numeric amount never matches")
    func amounts() throws {
        #expect(try F.matches("amount_gt: 1000", F.request("s", "r", ["amount": .int(1500)])))
        #expect(try !F.matches("amount_gt: 1000", F.request("s", "r", ["amount": .int(1000)])))
        #expect(try F.matches("amount_gte: 1000", F.request("s", "r", ["amount": .int(1000)])))
        #expect(try F.matches("amount_lt: 10", F.request("s", "r", ["amount": .double(9.99)])))
        #expect(try !F.matches("amount_lt: 10", F.request("s", "r", ["amount": .int(10)])))
        #expect(try F.matches("amount_lte: 10", F.request("s", "r", ["amount": .int(10)])))
        #expect(try F.matches("amount_gt: 1000", F.request("s", "r", ["amount": .string("5000")])))
        #expect(
            try F.matches("amount_gt: 1000", F.request("s", "r", ["amount": .bigInt("123456789012345678901234567890")]))
        )
        #expect(try F.matches("amount_gt: 100, amount_lte: 200", F.request("s", "r", ["amount": .int(150)])))
        #expect(try !F.matches("amount_gt: 100, amount_lte: 200", F.request("s", "r", ["amount": .int(250)])))
        // The original treated a missing amount as 0, so amount_lt matched actions without one.
        #expect(try !F.matches("amount_lt: 100", F.request("s", "r")))
        #expect(try !F.matches("amount_lte: 0", F.request("s", "r")))
        #expect(try !F.matches("amount_lt: 100", F.request("s", "r", ["amount": .string("lots")])))
        #expect(try !F.matches("amount_lt: 100", F.request("s", "r", ["amount": .bool(true)])))
        #expect(try !F.matches("amount_lt: 100", F.request("s", "r", ["amount": .null])))
        // Context is consulted when params has no amount.
        #expect(try F.matches("amount_gt: 10", F.request("s", "r", context: ["amount": .int(20)])))
        #expect(
            try !F.matches("amount_gt: 10", F.request("s", "r", ["amount": .int(5)], context: ["amount": .int(20)]))
        )
    }

    @Test("path conditions use the lexically normalized path; a missing path never matches")
    func paths() throws {
        #expect(
            try F.matches(
                "path_starts_with: /workspace/",
                F.request("fs", "read", ["path": .string("/workspace/a.txt")])
            )
        )
        #expect(
            try !F.matches(
                "path_starts_with: /workspace/",
                F.request("fs", "read", ["path": .string("/workspace/../etc/passwd")])
            )
        )
        #expect(
            try F.matches(
                "path_starts_with: /etc/",
                F.request("fs", "read", ["path": .string("/workspace/../etc/passwd")])
            )
        )
        #expect(try F.matches("path_starts_with: /etc/", F.request("fs", "read", ["path": .string("//etc/./passwd")])))
        #expect(
            try F.matches("path_contains: /.ssh/", F.request("fs", "read", ["path": .string("/home/u/.ssh/id_rsa")]))
        )
        #expect(try F.matches("path_ends_with: .env", F.request("fs", "read", ["path": .string("/app/.env")])))
        #expect(try !F.matches("path_ends_with: .env", F.request("fs", "read", ["path": .string("/app/.env.example")])))
        #expect(try !F.matches("path_contains: a", F.request("fs", "read")))
        #expect(try !F.matches("path_contains: \"1\"", F.request("fs", "read", ["path": .int(1)])))
    }

    @Test("PathNormalizer resolves . and .. lexically, never above /")
    func pathNormalizer() {
        let cases: [(String, String)] = [
            ("/a/b", "/a/b"), ("/a/./b", "/a/b"), ("/a/../b", "/b"), ("/../../etc", "/etc"), ("a/../../b", "../b"),
            ("//a//b/", "/a/b"), ("/", "/"), (".", "."), ("./a", "a"), ("a/..", "."), ("/a/b/..", "/a"), ("", ""),
            ("..", ".."), ("a/b/../../..", ".."), ("/a/.../b", "/a/.../b"), ("/a/.b/..c", "/a/.b/..c"),
        ]
        for (input, expected) in cases {
            #expect(PathNormalizer.normalize(input) == expected, "\(input)")
        }
        #expect(!PathNormalizer.needsNormalization("/usr/local/bin"))
        #expect(PathNormalizer.needsNormalization("/usr//bin"))
    }

    @Test("method is case-insensitive; branch supports globs; both must be strings")
    func methodAndBranch() throws {
        #expect(try F.matches("method: post", F.request("http", "request", ["method": .string("POST")])))
        #expect(try F.matches("method: POST", F.request("http", "request", ["method": .string("post")])))
        #expect(try !F.matches("method: POST", F.request("http", "request", ["method": .string("GET")])))
        #expect(try !F.matches("method: POST", F.request("http", "request", ["method": .string("POSTX")])))
        #expect(try !F.matches("method: POST", F.request("http", "request")))
        #expect(try !F.matches("method: \"1\"", F.request("http", "request", ["method": .int(1)])))
        #expect(try F.matches("branch: main", F.request("git", "push", ["branch": .string("main")])))
        #expect(try !F.matches("branch: main", F.request("git", "push", ["branch": .string("Main")])))
        #expect(try F.matches("branch: \"release/*\"", F.request("git", "push", ["branch": .string("release/1.2")])))
        #expect(try !F.matches("branch: \"release/*\"", F.request("git", "push", ["branch": .string("feature/x")])))
        #expect(try F.matches("branch: main", F.request("git", "push", context: ["branch": .string("main")])))
    }

    @Test("field + value: dotted paths, numbers by value, no cross-type equality")
    func fieldValue() throws {
        #expect(try F.matches("field: currency, value: usd", F.request("s", "r", ["currency": .string("usd")])))
        #expect(try !F.matches("field: currency, value: usd", F.request("s", "r", ["currency": .string("eur")])))
        #expect(
            try F.matches(
                "field: user.role, value: admin",
                F.request("s", "r", ["user": .object(["role": .string("admin")])])
            )
        )
        #expect(try F.matches("field: user.role, value: admin", F.request("s", "r", ["user.role": .string("admin")])))
        #expect(
            try !F.matches(
                "field: user.role, value: admin",
                F.request("s", "r", ["user": .object(["name": .string("admin")])])
            )
        )
        #expect(try F.matches("field: count, value: 1", F.request("s", "r", ["count": .double(1.0)])))
        #expect(try !F.matches("field: count, value: 1", F.request("s", "r", ["count": .bool(true)])))
        #expect(try !F.matches("field: count, value: 1", F.request("s", "r", ["count": .string("1")])))
        #expect(try F.matches("field: force, value: true", F.request("g", "p", ["force": .bool(true)])))
        #expect(
            try F.matches(
                "field: tags, value: [a, b]",
                F.request("g", "p", ["tags": .array([.string("a"), .string("b")])])
            )
        )
        #expect(
            try !F.matches(
                "field: tags, value: [a, b]",
                F.request("g", "p", ["tags": .array([.string("b"), .string("a")])])
            )
        )
        #expect(try F.matches("field: x, value: null", F.request("g", "p", ["x": .null])))
        #expect(try !F.matches("field: x, value: null", F.request("g", "p")))
        #expect(try F.matches("field: env, value: prod", F.request("g", "p", context: ["env": .string("prod")])))
    }

    @Test("contains searches the canonical JSON of params (no spaces, sorted keys)")
    func contains() throws {
        let request = F.request(
            "http",
            "get",
            ["url": .string("https://example.com/x"), "headers": .object(["a": .string("b")])]
        )
        #expect(try F.matches("contains: '\"url\":\"https://example.com'", request))
        #expect(try !F.matches("contains: '\"url\": \"https://example.com'", request))
        #expect(try F.matches("contains: '{\"headers\":{\"a\":\"b\"},\"url\"'", request))
        #expect(try !F.matches("contains: EXAMPLE", request))
        #expect(try F.matches("contains: é", F.request("x", "y", ["name": .string("café")])))
        // Context is not searched.
        #expect(try !F.matches("contains: secret", F.request("x", "y", context: ["note": .string("secret")])))
    }

    @Test("pattern: regexes and literal alternatives search the canonical JSON of params")
    func pattern() throws {
        let shell = { (cmd: String) in F.request("shell", "run", ["cmd": .string(cmd)]) }
        #expect(try F.matches("pattern: \"rm -rf|shutdown|mkfs\"", shell("sudo shutdown now")))
        #expect(try !F.matches("pattern: \"rm -rf|shutdown|mkfs\"", shell("ls -la")))
        #expect(try F.matches("pattern: \"rm\\\\s+-[a-z]*r\"", shell("rm   -fr /")))
        #expect(try F.matches("pattern: '\"cmd\":\"ls( |\")'", shell("ls")))
        #expect(try !F.matches("pattern: '\"cmd\":\"ls( |\")'", shell("lsblk")))
        #expect(try F.matches("pattern: \"(?i)DROP TABLE\"", F.request("sql", "q", ["q": .string("drop table users")])))
        #expect(try !F.matches("pattern: \"DROP TABLE\"", F.request("sql", "q", ["q": .string("drop table users")])))
        #expect(try F.matches("pattern: \"^\\\\{\\\"cmd\\\"\"", shell("x")))
    }

    @Test("the regex prefilter literal is conservative and never changes a result")
    func requiredLiteral() throws {
        let expectations: [(String, String?)] = [
            (#""target":"prod-[a-z]+""#, #""target":"prod-"#), ("release-[0-9]+-7", "release-"),
            ("ab+c", nil), ("abb+c", "ab"), ("abc?d", "ab"), ("x(foo|bar)yz", "yz"), ("foo|bar", nil), ("(?i)abc", nil),
            (#"\d+abc"#, "abc"), (#"a\.b\.c"#, "a.b.c"), (#"\x41BC"#, nil), ("[abc]def[g]", "def"),
            ("a{2}bcd", "bcd"), ("é+abc", nil), ("ab", "ab"), ("a", nil), ("^abc$", "abc"),
        ]
        for (pattern, literal) in expectations {
            #expect(
                TextPattern.requiredLiteral(of: pattern).map { String(decoding: $0, as: UTF8.self) } == literal,
                "\(pattern)"
            )
        }
        // Differential check: with and without the prefilter the answer is the same.
        let patterns = [
            #""target":"prod-[a-z]+""#, "ab+c", "abc?d", "x(foo|bar)yz", #"\d+abc"#, "[abc]def[g]", "a{2}bcd",
            "^\\{\"a",
        ]
        let texts = [
            #"{"target":"prod-eu"}"#, #"{"target":"prod-1"}"#, "abbbc", "abd", "abcd", "xfooyz", "xbazyz",
            "12abc", "abc", "cdefg", "aabcd", "abcd", "{\"a\":1}", "",
        ]
        for pattern in patterns {
            guard case .success(let compiled) = TextPattern.compile(pattern) else {
                Issue.record("\(pattern) did not compile")
                continue
            }
            let plain = TextPattern(source: pattern, kind: compiled.kind, prefilter: nil)
            for text in texts {
                #expect(compiled.matches(text) == plain.matches(text), "\(pattern) on \(text)")
            }
        }
    }

    @Test("all conditions of a rule must hold")
    func conjunction() throws {
        let conditions =
            "tool: stripe, op: refund, agent_id: \"billing-*\", amount_gt: 100, field: currency, value: usd, contains: refund_reason"
        let good = F.request(
            "stripe",
            "refund",
            ["amount": .int(500), "currency": .string("usd"), "refund_reason": .string("dup")],
            agent: "billing-1"
        )
        #expect(try F.matches(conditions, good))
        var wrongCurrency = good
        wrongCurrency.params = .object([
            "amount": .int(500), "currency": .string("eur"), "refund_reason": .string("dup"),
        ])
        #expect(try !F.matches(conditions, wrongCurrency))
        var wrongAgent = good
        wrongAgent.agentID = "ops-1"
        #expect(try !F.matches(conditions, wrongAgent))
    }

    @Test("JSONValue.policyEquals compares numbers by value and containers deeply")
    func policyEquals() {
        #expect(JSONValue.int(1).policyEquals(.double(1)))
        #expect(JSONValue.bigInt("99999999999999999999").policyEquals(.bigInt("99999999999999999999")))
        #expect(!JSONValue.bool(true).policyEquals(.int(1)))
        #expect(JSONValue.object(["a": .int(1)]).policyEquals(.object(["a": .double(1)])))
        #expect(!JSONValue.object(["a": .int(1)]).policyEquals(.object(["a": .int(1), "b": .null])))
        #expect(!JSONValue.string("1").policyEquals(.int(1)))
    }
}
