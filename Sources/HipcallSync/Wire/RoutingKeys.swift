/// Every routing key of the fleet's messages, in one place: the CRM's events and the `*.synced`
/// notices (the partitioned mode's own keys are queue names, see `SyncTopology`).
public enum RoutingKeys {
    public static let companyChanged = "company.changed"
    public static let contactChanged = "contact.changed"
    static let companySynced = "company.synced"
    static let contactSynced = "contact.synced"

    /// The routing keys of CRM events, one per resource.
    public static let events = [companyChanged, contactChanged]

    /// The event routing key of `resource`.
    static func changed(_ resource: SyncResource) -> String {
        resource == .companies ? companyChanged : contactChanged
    }

    /// The synced notice's routing key of `resource`.
    static func synced(_ resource: SyncResource) -> String {
        resource == .companies ? companySynced : contactSynced
    }

    /// The resource whose events carry `routingKey`, or nil for another key.
    public static func resource(ofEvent routingKey: String) -> SyncResource? {
        switch routingKey {
        case companyChanged: .companies
        case contactChanged: .contacts
        default: nil
        }
    }
}
