/// The domain is written in the wire primitives (an action's params are a `JSONValue`, its status
/// an `ActionStatus`), so they are part of this module's API.
@_exported import FarameshWire
