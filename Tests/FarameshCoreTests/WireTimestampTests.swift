import FarameshCore
import Foundation
import Testing

@Suite("WireTimestamp")
struct WireTimestampTests {
    /// 2026-11-24T18:11:08.231760Z (from Python's datetime).
    static let knownMicros: Int64 = 1_795_543_868_231_760

    @Test func formatsUTCWithSixFractionDigits() {
        let date = WireTimestamp.date(microseconds: Self.knownMicros)
        #expect(WireTimestamp.format(date) == "2026-11-24T18:11:08.231760Z")
        #expect(WireTimestamp.format(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00.000000Z")
        #expect(
            WireTimestamp.format(WireTimestamp.date(microseconds: 1_709_164_800_000_001))
                == "2024-02-29T00:00:00.000001Z"
        )
        #expect(WireTimestamp.format(WireTimestamp.date(microseconds: -1)) == "1969-12-31T23:59:59.999999Z")
        #expect(
            WireTimestamp.format(WireTimestamp.date(microseconds: -62_135_596_800_000_000))
                == "0001-01-01T00:00:00.000000Z"
        )
        #expect(
            WireTimestamp.format(WireTimestamp.date(microseconds: 253_402_300_799_000_000))
                == "9999-12-31T23:59:59.000000Z"
        )
    }

    @Test func roundsToTheNearestMicrosecond() {
        #expect(WireTimestamp.format(Date(timeIntervalSince1970: 1.0000004)) == "1970-01-01T00:00:01.000000Z")
        #expect(WireTimestamp.format(Date(timeIntervalSince1970: 59.9999996)) == "1970-01-01T00:01:00.000000Z")
    }

    @Test func parsesAcceptedForms() {
        let cases: [(String, Int64)] = [
            ("2026-11-24T18:11:08.231760Z", Self.knownMicros),
            ("2026-11-24T18:11:08.231760", Self.knownMicros),
            ("2026-11-24T18:11:08.231760+00:00", Self.knownMicros),
            ("2026-11-24T18:11:08.23176Z", Self.knownMicros),
            ("2026-11-24T18:11:08Z", Self.knownMicros - 231_760),
            ("2026-11-24T18:11:08", Self.knownMicros - 231_760),
            ("2026-11-24T18:11:08.2", Self.knownMicros - 31_760),
            ("1969-12-31T23:59:59.999999Z", -1),
            ("2024-02-29T00:00:00.000001Z", 1_709_164_800_000_001),
        ]
        for (text, micros) in cases {
            let date = WireTimestamp.parse(text)
            #expect(date.map(WireTimestamp.microseconds) == micros, "\(text)")
        }
    }

    @Test func rejectsOtherForms() {
        for text in [
            "", "2026-11-24", "2026-11-24 18:11:08Z", "2026-11-24T18:11:08.Z", "2026-11-24T18:11:08.1234567Z",
            "2026-13-01T00:00:00Z", "2026-02-29T00:00:00Z", "2026-04-31T00:00:00Z", "2026-11-24T24:00:00Z",
            "2026-11-24T18:60:00Z", "2026-11-24T18:11:60Z", "2026-11-24T18:11:08+01:00", "2026-11-24T18:11:08ZZ",
            "2026-11-24T18:11:08z", "20x6-11-24T18:11:08Z", "2026-11-24T18:11:08.23a760Z", "2026-00-10T00:00:00Z",
            "2026-01-00T00:00:00Z",
        ] {
            #expect(WireTimestamp.parse(text) == nil, "\(text)")
        }
    }

    @Test func nowIsWholeMicrosecondsAndSurvivesAReRead() throws {
        for _ in 0..<1000 {
            let now = WireTimestamp.now()
            let micros = WireTimestamp.microseconds(now)
            #expect(WireTimestamp.date(microseconds: micros) == now)
            let text = WireTimestamp.format(now)
            let reread = try #require(WireTimestamp.parse(text))
            #expect(reread == now)
            #expect(WireTimestamp.format(reread) == text)
        }
    }

    /// A `Date` is a Double of seconds since 2001: whole microseconds survive the conversion while
    /// the seconds stay below 2^32 (about 136 years either side of 2001).
    @Test func microsecondsRoundTripAcrossTheRange() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            // 1900-01-01 to 2100-01-01.
            let micros = Int64.random(in: -2_208_988_800_000_000...4_102_444_800_000_000, using: &rng)
            let date = WireTimestamp.date(microseconds: micros)
            #expect(WireTimestamp.microseconds(date) == micros)
            #expect(WireTimestamp.parse(WireTimestamp.format(date)).map(WireTimestamp.microseconds) == micros)
        }
    }

    @Test func agreesWithFoundationCalendar() throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = try #require(TimeZone(identifier: "UTC"))
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let seconds = Int64.random(in: 0...4_102_444_800, using: &rng)  // 1970 to 2100
            let date = WireTimestamp.date(microseconds: seconds * 1_000_000)
            let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
            let expected = String(
                format: "%04d-%02d-%02dT%02d:%02d:%02d.000000Z",
                c.year ?? 0,
                c.month ?? 0,
                c.day ?? 0,
                c.hour ?? 0,
                c.minute ?? 0,
                c.second ?? 0
            )
            #expect(WireTimestamp.format(date) == expected)
        }
    }
}
