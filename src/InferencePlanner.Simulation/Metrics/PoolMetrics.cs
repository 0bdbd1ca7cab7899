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

    /// <summary>Batches started in the window, by size (index 0 unused).</summary>
    public readonly long[] BatchSizeCounts = new long[maxBatch + 1];

    /// <summary>Batches started in the window.</summary>
    public long Batches => BatchSizeCounts.Sum();

    /// <summary>Queries in the batches started in the window.</summary>
    public long BatchedQueries => BatchSizeCounts.Select((count, size) => count * size).Sum();

    /// <summary>Seconds each server was busy within the window.</summary>
    public readonly double[] BusySeconds = new double[servers];

    /// <summary>
    /// A generative pool's busy seconds weighted by each iteration's power activity (compute- or memory-bound, see
    /// <see cref="Core.Economics.PowerModel"/>), summed over its replicas, within the window.
    /// </summary>
    public double ActiveSeconds;

    /// <summary>
    /// ∫ queue length dt over the window. A batching pool adds each query's wait, cut to the window, when the wait
    /// ends (it starts service, gives up, or the run ends): a sample-path identity, so no integral is advanced per
    /// event. A generative pool integrates its waiting line at its events.
    /// </summary>
    public double AreaQueue;

    /// <summary>
    /// ∫ queries in service dt over the window: batches weighted by their size, cut to the window like busy time;
    /// a generative pool's running sequences.
    /// </summary>
    public double AreaInService;

    /// <summary>∫ number in the pool dt over the window.</summary>
    public double AreaSystem => AreaQueue + AreaInService;
}

/// <summary>What a generative pool measures besides <see cref="PoolMetrics"/>.</summary>
internal sealed class LlmMetrics
{
    public readonly LatencyHistogram Ttft = new();
    public readonly LatencyHistogram Tpot = new();
    public long OutputTokens;
    public long Preemptions;
    public long Iterations;

    /// <summary>Iterations started in the measured window, and the prompt and decode tokens they carried.</summary>
    public long MeasuredIterations;
    public double PrefillTokens;
    public long DecodeTokens;
    public long PrefixLookups;
    public long PrefixHits;

    /// <summary>The most cache tokens one replica held at once (over the whole run).</summary>
    public long PeakKvUsed;

    /// <summary>∫ share of the pool's cache in use dt over the window, up to <see cref="LastChange"/> (its waiting line
    /// and running sequences go to the pool's <see cref="PoolMetrics.AreaQueue"/> and <see cref="PoolMetrics.AreaInService"/>).</summary>
    public double AreaKvShare;
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
