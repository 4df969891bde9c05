import Hipcall

extension HipcallCaller {
    /// One page of `resource` in the scan's order (``HipcallObservations/scanSort``): `limit` rows from `offset`.
    func listPage(_ resource: SyncResource, limit: Int, offset: Int) async throws(SyncFailure) -> HipcallPage? {
        try await perform("GET /\(resource.rawValue)") { client in
            try await client.list(HipcallResource(resource), limit: limit, offset: offset, sort: HipcallObservations.scanSort)
        }
    }
}
