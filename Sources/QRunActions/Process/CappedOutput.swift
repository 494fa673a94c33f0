import Foundation

/// Keeps the first `limit` bytes of a stream and remembers whether more came.
struct CappedOutput {
    let limit: Int
    private(set) var data = Data()
    private(set) var truncated = false

    init(limit: Int) {
        self.limit = limit
    }

    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        let room = limit - data.count
        if bytes.count > room {
            truncated = true
        }
        let kept = min(room, bytes.count)
        if kept > 0 {
            data.append(bytes.baseAddress!.assumingMemoryBound(to: UInt8.self), count: kept)
        }
    }
}
