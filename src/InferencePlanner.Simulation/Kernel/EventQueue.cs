namespace InferencePlanner.Simulation.Kernel;

/// <summary>What a scheduled event is for. Arrivals are not events: they come from the arrival process.</summary>
internal enum EventKind
{
    /// <summary>A batching pool's server finishes its batch (target: pool, data: server).</summary>
    ServerFree,

    /// <summary>A forming batch's oldest query has waited maxWaitMs (target: pool, data: timer version).</summary>
    BatchTimer,

    /// <summary>The warm-up ends: the measured window opens.</summary>
    OpenWindow,

    /// <summary>The horizon is reached: the measured window closes and arrivals stop.</summary>
    CloseWindow,

    /// <summary>A generative replica finishes an iteration of continuous batching (target: pool, data: replica).</summary>
    LlmIterationEnd,
}

/// <summary>A scheduled event: small and unmanaged, so the heap allocates nothing per event.</summary>
internal struct ScheduledEvent
{
    public double Time;
    public long Sequence;

    // Kind in the low 4 bits, target above: 24 bytes a event keeps the heap's moves cheap.
    private int _kindAndTarget;
    public int Data;

    public readonly EventKind Kind => (EventKind)(_kindAndTarget & 0xF);
    public readonly int Target => _kindAndTarget >> 4;

    public static ScheduledEvent Create(double time, long sequence, EventKind kind, int target, int data) =>
        new() { Time = time, Sequence = sequence, _kindAndTarget = (target << 4) | ((int)kind & 0xF), Data = data };
}

/// <summary>
/// The kernel's event list: a binary min-heap keyed by (time, sequence). The sequence number makes events
/// at equal times come out in the order they were scheduled, which keeps runs repeatable.
/// </summary>
internal sealed class EventQueue
{
    private ScheduledEvent[] _heap;
    private long _nextSequence;

    public EventQueue(int capacity = 64) => _heap = new ScheduledEvent[Math.Max(4, capacity)];

    public int Count { get; private set; }

    /// <summary>Time of the earliest event, or +∞ when there is none.</summary>
    public double PeekTime => Count > 0 ? _heap[0].Time : double.PositiveInfinity;

    public void Push(double time, EventKind kind, int target, int data = 0)
    {
        if (Count == _heap.Length)
        {
            Array.Resize(ref _heap, _heap.Length * 2);
        }

        var item = ScheduledEvent.Create(time, _nextSequence++, kind, target, data);
        var i = Count++;
        var heap = _heap;
        while (i > 0)
        {
            var parent = (i - 1) >> 1;
            if (!Before(in item, in heap[parent]))
            {
                break;
            }

            heap[i] = heap[parent];
            i = parent;
        }

        heap[i] = item;
    }

    public ScheduledEvent Pop()
    {
        var heap = _heap;
        var top = heap[0];
        var last = heap[--Count];
        var n = Count;
        var i = 0;
        while (true)
        {
            var child = (2 * i) + 1;
            if (child >= n)
            {
                break;
            }

            if (child + 1 < n && Before(in heap[child + 1], in heap[child]))
            {
                child++;
            }

            if (!Before(in heap[child], in last))
            {
                break;
            }

            heap[i] = heap[child];
            i = child;
        }

        if (n > 0)
        {
            heap[i] = last;
        }

        return top;
    }

    public void Clear()
    {
        Count = 0;
        _nextSequence = 0;
    }

    private static bool Before(in ScheduledEvent a, in ScheduledEvent b) =>
        a.Time < b.Time || (a.Time == b.Time && a.Sequence < b.Sequence);
}
