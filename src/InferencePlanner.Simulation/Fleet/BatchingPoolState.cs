using InferencePlanner.Simulation.Engine;
using InferencePlanner.Simulation.Kernel;
using InferencePlanner.Simulation.Metrics;

namespace InferencePlanner.Simulation.Fleet;

/// <summary>
/// The live state of one batching pool in one replication, laid out as plain arrays and fields for the hot path:
/// a FIFO ring of waiting queries (arrival time and tag), a stack of free servers, what each server is doing, and
/// the batch-forming timer.
/// </summary>
internal sealed class BatchingPoolState
{
    public BatchingPoolState(int index, PoolModel model, ServiceTimeModel service, RandomSequence random, double rttSeconds)
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
        Metrics = new PoolMetrics(index, Servers, MaxBatch);
        FreeStack = new int[Servers];
        for (var s = 0; s < Servers; s++)
        {
            FreeStack[s] = Servers - 1 - s; // server 0 is taken first
        }

        FreeCount = Servers;
        BusyUntil = new double[Servers];
        BatchOf = new int[Servers];
        const int capacity = 64;
        QueueArrival = new double[capacity];
        QueueTag = new QueryTag[capacity];
        QueueMask = capacity - 1;
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

    /// <summary>Network round trip added to each query's latency (an edge pool reached by offload).</summary>
    public readonly double RttSeconds;

    public readonly PoolMetrics Metrics;

    // Servers.
    public readonly int[] FreeStack;
    public int FreeCount;
    public readonly double[] BusyUntil;
    public readonly int[] BatchOf;
    public int InService;

    // Waiting queries (FIFO ring, power-of-two capacity).
    public double[] QueueArrival;
    public QueryTag[] QueueTag;
    public int QueueHead;
    public int QueueCount;
    public int QueueMask;

    // The batch-forming timer: only the latest version is live.
    public int TimerVersion;
    public bool TimerArmed;
    public double TimerAt;

    public void Enqueue(double arrival, QueryTag tag)
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
        var tags = new QueryTag[capacity];
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
