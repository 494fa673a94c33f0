/// A FIFO of step indices with amortised O(1) push and pop.
struct ReadyQueue: Sendable {
    private var items: [Int] = []
    private var head = 0

    mutating func push(_ i: Int) { items.append(i) }

    mutating func pop() -> Int? {
        guard head < items.count else { return nil }
        let i = items[head]
        head += 1
        if head == items.count {
            items.removeAll(keepingCapacity: true)
            head = 0
        } else if head > 1024, head * 2 > items.count {
            items.removeFirst(head)
            head = 0
        }
        return i
    }
}
