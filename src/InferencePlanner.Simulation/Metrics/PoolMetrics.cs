namespace InferencePlanner.Simulation.Metrics;

/// <summary>
/// What one pool measures in one replication: the fate of its measured queries (counts and histograms), its
/// servers' busy time and the time integrals of its queue, all over the measured window. Batching and generative
/// pools alike; a generative pool adds <see cref="LlmMetrics"/>.
/// </summary>
internal sealed class PoolMetrics(int index, int servers, int maxBatch)
{
    public readonly int Index = index;

    public readonly LatencyHistogram Wait = new();
    public readonly LatencyHistogram Latency = new();
    public long Arrivals;
    public long Served;
    public long Rejected;
    public long Abandoned;

    /// <summary>Served queries whose wait was above zero.</summary>
    public long Waited;

    /// <summary>Served queries that met their targets (latency, and for generative pools TTFT and TPOT).</summary>
    public long Good;

    // Batches started in the window.
    public long Batches;
    public long BatchedQueries;
    public readonly long[] BatchSizeCounts = new long[maxBatch + 1];

    /// <summary>Seconds each server was busy within the window.</summary>
    public readonly double[] BusySeconds = new double[servers];

    // ∫ queue length dt and ∫ number in the pool dt over the window, integrated up to LastChange.
    public double AreaQueue;
    public double AreaSystem;
    public double LastChange;
}

/// <summary>What a generative pool measures besides <see cref="PoolMetrics"/>.</summary>
internal sealed class LlmMetrics
{
    public readonly LatencyHistogram Ttft = new();
    public readonly LatencyHistogram Tpot = new();
    public long OutputTokens;
    public long Preemptions;
    public long Iterations;

    /// <summary>The most cache tokens one replica held at once (over the whole run).</summary>
    public long PeakKvUsed;

    // ∫ share of the pool's cache in use dt and ∫ running sequences dt over the window, up to LastChange.
    public double AreaKvShare;
    public double AreaRunning;
    public double LastChange;
}

/// <summary>Per-class accumulators of one replication.</summary>
internal sealed class ClassMetrics(double sloSeconds)
{
    public readonly double SloSeconds = sloSeconds;
    public readonly LatencyHistogram Latency = new();
    public long Arrivals;
    public long Served;
    public long Rejected;
    public long Abandoned;
    public long Good;
}
