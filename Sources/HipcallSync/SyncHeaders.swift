import Foundation

/// The AMQP header names the worker stamps on retried and dead-lettered messages, in one place.
public enum SyncHeaders {
    public static let errorClass = "x-hipcall-error-class"
    public static let error = "x-hipcall-error"
    public static let status = "x-hipcall-status"
    public static let attempts = "x-hipcall-attempts"
    public static let firstFailedAt = "x-hipcall-first-failed-at"
    public static let lastFailedAt = "x-hipcall-last-failed-at"
    /// A retried or dead-lettered message's original routing key.
    public static let originalRoutingKey = "x-hipcall-routing-key"

    /// The longest `x-hipcall-error` value, in UTF-8 bytes.
    public static let maxErrorBytes = 1024

    /// The headers describing a failure: class, message (≤ 1 KiB, cut on a character boundary),
    /// status if any, attempts so far, and the first and last failure times (RFC 3339, UTC).
    public static func failureHeaders(
        for failure: SyncFailure, attempts: Int, firstFailedAt: Date, lastFailedAt: Date
    ) -> [String: String] {
        var headers = [
            errorClass: failure.errorClass,
            error: failure.message.truncatedToUTF8(maxBytes: maxErrorBytes),
            self.attempts: String(attempts),
            self.firstFailedAt: firstFailedAt.formatted(.iso8601),
            self.lastFailedAt: lastFailedAt.formatted(.iso8601),
        ]
        if let code = failure.status { headers[status] = String(code) }
        return headers
    }
}
