import HipcallSync
/// SplitMix64: a tiny, fast, seedable generator, so a seed reproduces every synthetic event on any platform.
public struct SyntheticRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) {
        state = seed
    }

    /// A generator for one item of a run, independent of every other item: `seed` mixed with the item's coordinates.
    init(seed: UInt64, _ a: UInt64, _ b: UInt64 = 0) {
        var mixer = SyntheticRandom(seed: seed ^ (a &* 0x9E37_79B9_7F4A_7C15) ^ (b &* 0xC2B2_AE3D_27D4_EB4F))
        state = mixer.next()
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniformly chosen index in `0..<count` (count > 0).
    mutating func index(_ count: Int) -> Int {
        Int(next() % UInt64(count))
    }

    /// True with probability `p`.
    mutating func chance(_ p: Double) -> Bool {
        Double(next() >> 11) / Double(1 << 53) < p
    }

    /// A uniformly chosen element of a non-empty array.
    mutating func pick<T>(_ items: [T]) -> T {
        items[index(items.count)]
    }

    /// `count` random decimal digits.
    mutating func digits(_ count: Int) -> String {
        var text = ""
        text.reserveCapacity(count)
        for _ in 0..<count { text.unicodeScalars.append(Unicode.Scalar(UInt8(48 + index(10)))) }
        return text
    }
}
