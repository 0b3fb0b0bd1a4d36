import FarameshCore
import Foundation
import PostgresNIO

/// A `timestamptz` bound and read as exact microseconds.
///
/// PostgresNIO's own `Date` codec truncates `Double` seconds on encode, which can move a value
/// by one microsecond; event hashes include the timestamp, so every timestamp goes through this
/// type and `WireTimestamp`'s rounding instead.
struct PostgresTimestamp: PostgresNonThrowingEncodable, PostgresDecodable, Sendable, Hashable {
    /// Microseconds since 1970-01-01 UTC.
    var microseconds: Int64

    /// Microseconds between 1970-01-01 and 2000-01-01, PostgreSQL's epoch.
    private static let postgresEpochOffset: Int64 = 946_684_800 * 1_000_000

    init(_ date: Date) { self.microseconds = WireTimestamp.microseconds(date) }

    var date: Date { WireTimestamp.date(microseconds: microseconds) }

    static var psqlType: PostgresDataType { .timestamptz }
    static var psqlFormat: PostgresFormat { .binary }

    func encode<JSONEncoder: PostgresJSONEncoder>(
        into byteBuffer: inout ByteBuffer,
        context: PostgresEncodingContext<JSONEncoder>
    ) {
        byteBuffer.writeInteger(microseconds &- Self.postgresEpochOffset)
    }

    init<JSONDecoder: PostgresJSONDecoder>(
        from buffer: inout ByteBuffer,
        type: PostgresDataType,
        format: PostgresFormat,
        context: PostgresDecodingContext<JSONDecoder>
    ) throws {
        guard type == .timestamptz || type == .timestamp else { throw PostgresDecodingError.Code.typeMismatch }
        guard format == .binary, buffer.readableBytes == 8, let raw = buffer.readInteger(as: Int64.self) else {
            throw PostgresDecodingError.Code.failure
        }
        self.microseconds = raw &+ Self.postgresEpochOffset
    }
}
