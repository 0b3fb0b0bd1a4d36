/// The MCP client on the proxy's stdin/stdout (one line per message).
public struct StdioClientChannel: ClientChannel {
    let writer: LineWriter

    public init(writer: LineWriter) {
        self.writer = writer
    }

    public func send(_ message: [UInt8], route: ClientRoute) async {
        self.writer.write(message)
    }
}
