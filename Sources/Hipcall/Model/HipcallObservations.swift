/// What is only *observed* about Hipcall (tests against a demo account, not an official reference;
/// see `../shared/hipcall-api.md`) and the code relies on: the one place to change when Hipcall is
/// seen to behave otherwise.
public enum HipcallObservations {
    /// The largest `limit` of a list call; a larger one is a 422, never clamped.
    public static let maxPageSize = 100
    /// The `limit` of a list call that sends none.
    public static let defaultPageSize = 10
    /// The requests a token may send per minute (`x-ratelimit-limit` says so on every answer; this is
    /// what to assume before the first one).
    public static let requestsPerMinute = 60
    /// The fields a list row is seen to carry besides `id`. Any other field a row does not show is
    /// unknown, never equal: the simulator's rows carry every field a lookup shows, Hipcall's may not.
    public static let listRowFields: Set<String> = ["external_id"]
    /// The sort a list scan pages in: ids only grow, so a record created during the scan lands after
    /// the pages already read and none is skipped or read twice.
    public static let scanSort = "id.asc"
}
