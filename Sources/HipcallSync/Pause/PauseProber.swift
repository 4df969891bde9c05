import Hipcall
import Logging

/// Decides when the worker pauses and resumes for reasons that are its setup's fault, not the
/// events': Hipcall refuses the token, or `HIPCALL_BASE_URL` is not Hipcall's API root. It checks
/// the API once at start (`GET /companies?limit=1`), so a typo or a bad token is reported before the
/// first event, and while the gate is closed it probes every `interval` until Hipcall answers
/// properly, then opens the gate. A cancelled probe never opens it.
struct PauseProber: Sendable {
    let caller: HipcallCaller
    let gate: PauseGate
    let interval: Duration
    let metrics: WorkerMetrics
    let logger: Logger

    /// What one check of the API found.
    enum Finding: Sendable, Equatable {
        /// Hipcall answered like Hipcall.
        case healthy
        /// The answer means the worker must pause.
        case pause(PauseReason)
        /// Hipcall could not answer now (a timeout, a 5xx, ...): says nothing about the setup.
        case unavailable(SyncFailure)
        /// The check was cancelled.
        case cancelled
    }

    /// Lists one company: the cheapest call that needs a working token and the right API root.
    func check() async -> Finding {
        do throws(SyncFailure) {
            _ = try await caller.perform("GET /companies") { client in try await client.list(.companies, limit: 1) }
            return .healthy
        } catch .cancelled {
            return .cancelled
        } catch {
            return error.pauseReason.map(Finding.pause) ?? .unavailable(error)
        }
    }

    /// The check at worker start: pauses at once (one log line) when the setup is wrong.
    func checkAtStart() async {
        switch await check() {
        case .healthy:
            logger.info("Hipcall answers", metadata: ["api": "\(caller.client.configuration.displayedAPIRoot)"])
        case .pause(let reason):
            pause(reason)
        case .unavailable(let failure):
            logger.warning(
                "Hipcall did not answer the start-up check; events will be retried", metadata: ["error": "\(failure.message)"])
        case .cancelled:
            return
        }
    }

    /// Closes the gate for `reason` and, for the caller that closed it, logs the one line that
    /// says what is wrong (`HIPCALL_BASE_URL` and the URL tried, never the token).
    func pause(_ reason: PauseReason) {
        guard gate.close(reason) else { return }
        published(reason, paused: true)
        logger.error(
            "consumption paused: \(reason.explanation)",
            metadata: ["reason": "\(reason.label)", "api_root": "\(caller.client.configuration.displayedAPIRoot)"])
    }

    /// Runs until cancelled: whenever the gate closes, probes every `interval` (reloading a rotated
    /// token first) until Hipcall answers properly, then opens the gate.
    func run() async {
        while await gate.waitUntilClosed() {
            do { try await Task.sleep(for: interval) } catch { return }
            // A rotated token (a secret file rewritten by its mount) is picked up here.
            if caller.client.reloadToken() {
                logger.notice("reloaded the Hipcall API token")
            }
            let finding = await check()
            guard let pause = gate.pause else { continue }
            switch finding {
            case .healthy:
                published(pause.reason, paused: false)
                logger.notice("Hipcall answers properly again; consumption resumed", metadata: ["reason": "\(pause.reason.label)"])
                gate.open()
            case .pause(let reason):
                if gate.update(reason) {
                    published(pause.reason, paused: false)
                    published(reason, paused: true)
                    logger.error("consumption still paused: \(reason.explanation)", metadata: ["reason": "\(reason.label)"])
                } else {
                    logger.debug("still paused", metadata: ["reason": "\(reason.label)"])
                }
            case .unavailable(let failure):
                logger.warning("Hipcall did not answer the probe; still paused", metadata: ["error": "\(failure.message)"])
            case .cancelled:
                return
            }
        }
    }

    private func published(_ reason: PauseReason, paused: Bool) {
        switch reason {
        case .auth: metrics.authPaused(paused)
        case .misconfigured: metrics.misconfigured(paused)
        }
    }
}
