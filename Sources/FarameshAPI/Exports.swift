/// The wire primitives (JSON values, canonical JSON, timestamps, status and decision enums) are
/// part of this module's API: every client of the wire types uses them.
@_exported import FarameshWire
