extension Upserter {
    /// How long a contact waits for another worker to create its company, when a finished scan of
    /// the companies says the company was not in Hipcall (so a lookup would only answer 404).
    static let companyCreationWait: Duration = .seconds(60)

    /// A contact whose company the fleet does not know, after a finished scan of the companies, links
    /// to a company that was not in Hipcall: its event is in some worker's backlog (or it never comes).
    /// The contact waits for the journal to bring the company's id, without holding an upsert slot or
    /// spending a call, instead of looking it up in vain and taking a retry-queue trip; after
    /// ``companyCreationWait`` it goes on (and looks the company up once, as without a scan).
    func awaitCreation(ofCompany key: SyncKey) async {
        guard ids.get(key) == nil, ledger.isFinished(.companies) else { return }
        _ = await ids.waitForID(key, timeout: Self.companyCreationWait)
    }

    /// The longest a key the fleet does not know waits for a scan of its resource.
    static let scanWait: Duration = .seconds(120)

    /// A key the fleet does not know, while a scan of its resource is planned or running, waits for
    /// the scan (bounded by ``scanWait`` and by the holder falling silent) instead of spending a
    /// lookup: the scan brings its id and fields if it exists, and says it does not if it does not.
    func awaitScan(of key: SyncKey) async {
        guard ids.get(key) == nil else { return }
        await ledger.awaitScan(key.resource, atMost: Self.scanWait)
    }
}
