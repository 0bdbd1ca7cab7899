using InferencePlanner.Simulation.Kernel;
using InferencePlanner.Simulation.Metrics;

namespace InferencePlanner.Simulation.Fleet;

/// <summary>
/// The live state of one pool in one replication, laid out as plain arrays and fields for the hot path:
/// a FIFO ring of waiting queries (arrival time and a tag: arrival index × 64 + class), a stack of free
/// servers, what each server is doing, and the pool's metric accumulators.
/// </summary>
internal sealed class PoolState
{
    public PoolState(int index, Engine.PoolModel model, ServiceTimeModel service, RandomSequence random, double rttSeconds)
    {
        Index = index;
        Servers = model.Servers;
        MaxBatch = model.MaxBatch;
        MaxWait = model.MaxWaitSeconds;
        MaxQueue = model.MaxQueueLength;
        Timeout = model.TimeoutSeconds;
        HasTimeout = !double.IsPositiveInfinity(model.TimeoutSeconds);
        Service = service;
        Random = random;
        RttSeconds = rttSeconds;
        FreeStack = new int[Servers];
        for (var s = 0; s < Servers; s++)
        {
            FreeStack[s] = Servers - 1 - s; // server 0 is taken first
        }

        FreeCount = Servers;
        BusyUntil = new double[Servers];
        BatchOf = new int[Servers];
        BusySeconds = new double[Servers];
        var capacity = 64;
        QueueArrival = new double[capacity];
        QueueTag = new long[capacity];
        QueueMask = capacity - 1;
        BatchSizeCounts = new long[MaxBatch + 1];
    }

    public readonly int Index;
    public readonly int Servers;
    public readonly int MaxBatch;
    public readonly double MaxWait;
    public readonly int MaxQueue;
    public readonly double Timeout;
    public readonly bool HasTimeout;
    public readonly ServiceTimeModel Service;
    public readonly RandomSequence Random;
    public readonly double RttSeconds;

    /// <summary>Set for a generative-LLM pool: its replicas and continuous batching.</summary>
    public LlmPoolState? Llm;

    // Servers.
    public readonly int[] FreeStack;
    public int FreeCount;
    public readonly double[] BusyUntil;
    public readonly int[] BatchOf;
    public int InService;

    // Waiting queries (FIFO ring, power-of-two capacity).
    public double[] QueueArrival;
    public long[] QueueTag;
    public int QueueHead;
    public int QueueCount;
    public int QueueMask;

    // The batch-forming timer: only the latest version is live.
    public int TimerVersion;
    public bool TimerArmed;
    public double TimerAt;

    // Time integrals over the measured window.
    public double LastChange;
    public double AreaQueue;
    public double AreaSystem;

    // Metrics of measured queries.
    public readonly LatencyHistogram Wait = new();
    public readonly LatencyHistogram Latency = new();
    public long Arrivals;
    public long Served;
    public long Rejected;
    public long Abandoned;
    public long Waited;
    public long Good;
    public long Batches;
    public long BatchedQueries;
    public readonly long[] BatchSizeCounts;
    public readonly double[] BusySeconds;

    public void Enqueue(double arrival, long tag)
    {
        if (QueueCount == QueueArrival.Length)
        {
            Grow();
        }

        var slot = (QueueHead + QueueCount) & QueueMask;
        QueueArrival[slot] = arrival;
        QueueTag[slot] = tag;
        QueueCount++;
    }

    private void Grow()
    {
        var capacity = QueueArrival.Length * 2;
        var arrivals = new double[capacity];
        var tags = new long[capacity];
        for (var i = 0; i < QueueCount; i++)
        {
            var slot = (QueueHead + i) & QueueMask;
            arrivals[i] = QueueArrival[slot];
            tags[i] = QueueTag[slot];
        }

        QueueArrival = arrivals;
        QueueTag = tags;
        QueueHead = 0;
        QueueMask = capacity - 1;
    }
}
