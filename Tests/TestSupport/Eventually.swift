/// Polls `condition` every `interval` until it returns `true` or `timeout` has passed, then checks
/// it once more; returns whether it held. Never fails a test by itself: assert the result
/// (`#expect(await eventually { … })` or `try #require(await eventually { … })`). Throws only
/// what `condition` throws; a cancelled test stops polling and gets the last check's answer.
public func eventually(
    timeout: Duration = .seconds(30), pollingEvery interval: Duration = .milliseconds(10),
    isolation: isolated (any Actor)? = #isolation, _ condition: () async throws -> Bool
) async rethrows -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while clock.now < deadline, !Task.isCancelled {
        if try await condition() { return true }
        // A sleep cut short by cancellation ends the loop above; nothing else can throw here.
        try? await clock.sleep(for: interval)
    }
    return try await condition()
}
