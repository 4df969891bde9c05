import Hipcall
import HipcallJSON

extension UpsertPlan {
    /// The PATCH body for a record whose id is known but whose current state is not: every
    /// managed scalar field (lists go through their sub-resources afterwards).
    static func scalarFields(event: SyncEvent, resolvedCompanyID: Int64?) -> [String: JSONValue] {
        var fields = managedFields(event: event, resolvedCompanyID: resolvedCompanyID)
        fields["phones"] = nil
        fields["emails"] = nil
        return fields
    }
}
