/// The fleet's journal as one worker uses it: it appends the changes it applied and follows everyone's.
struct FleetJournal: Sendable {
    let appender: JournalAppender
    let follower: JournalFollower
}
