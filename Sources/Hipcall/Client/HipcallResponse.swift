/// A successful answer: the decoded value and the rate-limit state that came with it.
public struct HipcallResponse<Value: Sendable>: Sendable {
    /// The decoded value.
    public var value: Value
    /// HTTP status of the answer.
    public var status: Int
    /// Rate-limit state from the answer's headers, if it carried them.
    public var rateLimit: HipcallRateLimit?

    init(value: Value, status: Int, rateLimit: HipcallRateLimit?) {
        self.value = value
        self.status = status
        self.rateLimit = rateLimit
    }
}
