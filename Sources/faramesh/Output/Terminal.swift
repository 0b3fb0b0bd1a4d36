import FarameshCore
import Foundation

/// ANSI colours for statuses and risk levels, only when stdout is a terminal (and `NO_COLOR`
/// is unset and `TERM` is not `dumb`); piped output stays plain.
struct Terminal: Sendable {
    let colors: Bool

    static let stdout = Terminal(colors: Terminal.detectColors())

    static func detectColors() -> Bool {
        let env = ProcessInfo.processInfo.environment
        if env["NO_COLOR"] != nil || env["TERM"] == "dumb" { return false }
        return isatty(STDOUT_FILENO) == 1
    }

    enum Color: String {
        case red = "31"
        case green = "32"
        case yellow = "33"
        case blue = "34"
        case magenta = "35"
        case cyan = "36"
        case gray = "90"
        case bold = "1"
    }

    func paint(_ text: String, _ color: Color?) -> String {
        guard self.colors, let color else { return text }
        return "\u{1B}[\(color.rawValue)m\(text)\u{1B}[0m"
    }

    static func color(for status: ActionStatus) -> Color {
        switch status {
        case .allowed, .approved, .succeeded: return .green
        case .denied, .failed, .timeout: return .red
        case .pendingApproval: return .yellow
        case .executing, .pendingDecision: return .cyan
        case .expired: return .gray
        }
    }

    static func color(for risk: RiskLevel) -> Color {
        switch risk {
        case .low: return .green
        case .medium: return .yellow
        case .high: return .red
        }
    }

    func status(_ status: ActionStatus, padded: String? = nil) -> String {
        self.paint(padded ?? status.rawValue, Self.color(for: status))
    }

    func risk(_ risk: RiskLevel, padded: String? = nil) -> String {
        self.paint(padded ?? risk.rawValue, Self.color(for: risk))
    }

    /// Writes one line to stderr (progress and hints, so stdout stays clean for scripts).
    static func note(_ message: String) {
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }
}
