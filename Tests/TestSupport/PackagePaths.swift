import Foundation

/// Paths inside the package the tests run from.
public enum PackagePaths {
    /// The package root: three levels above this file (Tests/TestSupport/PackagePaths.swift).
    public static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The debug `hipcall-sync` binary (`swift build` and `ops/test` build it before the tests run).
    public static let binary = root.appendingPathComponent(".build/debug/hipcall-sync")
}
