import FarameshCore
import Foundation

/// Reads and checks the executors file at start-up. Any problem stops the server with a message
/// naming the file, the entry and what is wrong.
enum ExecutorLoader {
    static func load(file: String) throws(ServerStartupError) -> ExecutorCatalog {
        let text: String
        do {
            text = try String(contentsOfFile: file, encoding: .utf8)
        } catch {
            throw ServerStartupError("Cannot read the executors file \(file) (missing, unreadable or not UTF-8)")
        }
        let catalog: ExecutorCatalog
        do {
            catalog = try ExecutorCatalog.compile(yaml: text, source: file)
        } catch {
            throw ServerStartupError("Invalid executors file: \(error)")
        }
        try self.checkPaths(catalog, file: file)
        return catalog
    }

    /// The program and working directory must exist now: a typo should stop the start, not fail
    /// every run later.
    static func checkPaths(_ catalog: ExecutorCatalog, file: String) throws(ServerStartupError) {
        let files = FileManager.default
        for spec in catalog.executors {
            var isDirectory: ObjCBool = false
            if !files.fileExists(atPath: spec.executable, isDirectory: &isDirectory) || isDirectory.boolValue
                || !files.isExecutableFile(atPath: spec.executable)
            {
                throw ServerStartupError(
                    "\(file): executors[\(spec.index)].command[0]: \(spec.executable) is not an executable file"
                )
            }
            if let directory = spec.workingDirectory {
                isDirectory = false
                if !files.fileExists(atPath: directory, isDirectory: &isDirectory) || !isDirectory.boolValue {
                    throw ServerStartupError(
                        "\(file): executors[\(spec.index)].working_directory: \(directory) is not an existing directory"
                    )
                }
            }
        }
    }
}
