/// The MCP client on the proxy's stdin/stdout (one line per message).
package struct StdioClientChannel: ClientChannel {
    let writer: LineWriter

    package init(writer: LineWriter) {
        self.writer = writer
    }

    package func send(_ message: [UInt8], route: ClientRoute) async {
        self.writer.write(message)
    }
}
