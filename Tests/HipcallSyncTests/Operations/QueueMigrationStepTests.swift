import HipcallSyncOperations
import Testing

@Suite struct QueueMigrationStepTests {
    private let mismatch = QueueObservation.Found.mismatched("inequivalent arg 'x-queue-type'")

    @Test("a queue of other settings with messages moves them to the holder first; an empty one is deleted")
    func mismatchedQueue() {
        #expect(QueueMigrationStep.next(for: QueueObservation(found: mismatch, messages: 5), rebuildable: true) == .moveToHolder)
        #expect(QueueMigrationStep.next(for: QueueObservation(found: mismatch, messages: 5, held: 3), rebuildable: true) == .moveToHolder)
        #expect(QueueMigrationStep.next(for: QueueObservation(found: mismatch, messages: 0, held: 3), rebuildable: true) == .deleteOld)
        #expect(QueueMigrationStep.next(for: QueueObservation(found: mismatch), rebuildable: true) == .deleteOld)
    }

    @Test("a missing queue is declared, whether or not messages wait in its holder")
    func missingQueue() {
        #expect(QueueMigrationStep.next(for: QueueObservation(found: .missing), rebuildable: true) == .declare)
        #expect(QueueMigrationStep.next(for: QueueObservation(found: .missing, held: 7), rebuildable: true) == .declare)
    }

    @Test("a rebuilt queue takes its held messages back, then the empty holder is deleted, then it is done")
    func matchingQueue() {
        #expect(QueueMigrationStep.next(for: QueueObservation(found: .matching, held: 2), rebuildable: true) == .moveBack)
        #expect(QueueMigrationStep.next(for: QueueObservation(found: .matching, messages: 4, held: 0), rebuildable: true) == .deleteHolder)
        #expect(QueueMigrationStep.next(for: QueueObservation(found: .matching, messages: 4, consumers: 2), rebuildable: true) == .done)
    }

    @Test("a queue with consumers, or one that must not be rebuilt, is refused with the reason")
    func refusals() {
        let busy = QueueMigrationStep.next(for: QueueObservation(found: mismatch, messages: 1, consumers: 2), rebuildable: true)
        #expect(busy == .refuse("2 consumers: stop the workers first"))
        let work = QueueMigrationStep.next(for: QueueObservation(found: mismatch), rebuildable: false, why: "a work queue")
        #expect(work == .refuse("inequivalent arg 'x-queue-type'; a work queue"))
        // A work queue as declared is no reason to refuse.
        #expect(QueueMigrationStep.next(for: QueueObservation(found: .matching, consumers: 3), rebuildable: false) == .done)
    }

    @Test("each step of a whole migration follows from the broker's state after the one before")
    func wholeMigration() {
        var observation = QueueObservation(found: mismatch, messages: 3)
        var steps: [QueueMigrationStep] = []
        for _ in 0..<10 {
            let step = QueueMigrationStep.next(for: observation, rebuildable: true)
            steps.append(step)
            switch step {
            case .moveToHolder: observation = QueueObservation(found: mismatch, messages: 0, held: (observation.held ?? 0) + observation.messages)
            case .deleteOld: observation = QueueObservation(found: .missing, held: observation.held)
            case .declare: observation = QueueObservation(found: .matching, held: observation.held)
            case .moveBack: observation = QueueObservation(found: .matching, messages: observation.held ?? 0, held: 0)
            case .deleteHolder: observation = QueueObservation(found: .matching, messages: observation.messages)
            case .done, .refuse: break
            }
            if step == .done { break }
        }
        #expect(steps == [.moveToHolder, .deleteOld, .declare, .moveBack, .deleteHolder, .done])
        #expect(observation == QueueObservation(found: .matching, messages: 3))
    }
}
