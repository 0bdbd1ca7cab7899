using System.Text.Json.Serialization;

namespace InferencePlanner.Simulation.Results;

/// <summary>
/// A simulation's answer (the contract of the <c>simulate</c> command and the API). Times are in
/// milliseconds, rates per second. With several replications, counts are totals over replications and every
/// other figure is the mean over replications, with 95 % half-widths in <see cref="Ci95"/>.
/// </summary>
public sealed record SimulationResult
{
    public required bool Stable { get; init; }

    /// <summary>Why the run is not stable (offered load beyond capacity, an event bound reached, …).</summary>
    public string? Reason { get; init; }

    /// <summary>For an unstable run: the capacity of the pool (or fleet) that cannot keep up, queries per second.</summary>
    public double? CapacityPerSecond { get; init; }

    /// <summary>For an unstable run: the load offered to it, queries per second.</summary>
    public double? OfferedLoadPerSecond { get; init; }

    public long Arrivals { get; init; }
    public long Completed { get; init; }
    public long Rejected { get; init; }
    public long Abandoned { get; init; }
    public double ThroughputPerSecond { get; init; }
    public double Utilization { get; init; }
    public double ProbabilityOfWait { get; init; }
    public double RejectionProbability { get; init; }
    public double AbandonmentProbability { get; init; }
    public double MeanBatchSize { get; init; }
    public double MeanQueueLength { get; init; }
    public double MeanInSystem { get; init; }

    /// <summary>The share of completed queries whose latency met their class's target.</summary>
    public double SloAttainment { get; init; }

    /// <summary>Completed queries per second that met their latency target.</summary>
    public double GoodputPerSecond { get; init; }

    /// <summary>Whether the scenario's SLO held: its latency percentile within target, rejections within their ceiling.</summary>
    public bool? SloMet { get; init; }

    public LatencySummary WaitMs { get; init; } = LatencySummary.Empty;
    public LatencySummary LatencyMs { get; init; } = LatencySummary.Empty;

    /// <summary>The latency distribution for charts: (ms, share of queries at or below), at percentiles 1 … 99, 99.5, 99.9.</summary>
    public IReadOnlyList<CdfPoint> LatencyCdf { get; init; } = [];

    public IReadOnlyList<PoolResult> Pools { get; init; } = [];
    public IReadOnlyList<ClassResult> Classes { get; init; } = [];
    public TimeSeries? TimeSeries { get; init; }

    public int Replications { get; init; }
    public long Seed { get; init; }

    /// <summary>Length of the measured window (warm-up excluded), simulated seconds, per replication.</summary>
    public double SimulatedSeconds { get; init; }

    /// <summary>Events processed, total over replications.</summary>
    public long Events { get; init; }

    public Ci95? Ci95 { get; init; }

    /// <summary>Generative pools: time to first token, ms.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public LatencySummary? TtftMs { get; init; }

    /// <summary>Generative pools: time per output token after the first, ms.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public LatencySummary? TpotMs { get; init; }

    /// <summary>Generative pools: output tokens per second over the measured window.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? OutputTokensPerSecond { get; init; }
}

/// <summary>What a generative pool adds to its results.</summary>
public sealed record LlmPoolResult
{
    public required LatencySummary TtftMs { get; init; }
    public required LatencySummary TpotMs { get; init; }
    public double OutputTokensPerSecond { get; init; }

    /// <summary>Completed requests per second that met both the TTFT and the TPOT target.</summary>
    public double GoodputPerSecond { get; init; }

    /// <summary>Time-averaged share of the replicas' KV cache in use.</summary>
    public double KvCacheUtilization { get; init; }

    public long Preemptions { get; init; }
    public double MeanRunningSequences { get; init; }
    public long Iterations { get; init; }
    public long KvCapacityTokensPerReplica { get; init; }

    /// <summary>The most cache tokens any replica held at once.</summary>
    public long PeakKvTokensPerReplica { get; init; }

    /// <summary>Cache tokens still held when the run ended (zero once every request has left).</summary>
    public long KvTokensAtEnd { get; init; }
}

/// <summary>Mean and percentiles of a time, ms (percentiles within 0.4 % of the recorded values).</summary>
public sealed record LatencySummary(double Mean, double P50, double P90, double P95, double P99, double P999, double Max)
{
    public static readonly LatencySummary Empty = new(0, 0, 0, 0, 0, 0, 0);

    /// <summary>The value at a percentile the summary holds (50, 90, 95, 99, 99.9), else null.</summary>
    public double? AtPercentile(double percentile) => percentile switch
    {
        50 => P50,
        90 => P90,
        95 => P95,
        99 => P99,
        99.9 => P999,
        _ => null,
    };
}

public sealed record PoolResult
{
    public required string Name { get; init; }
    public string? Device { get; init; }
    public string? Region { get; init; }
    public int Servers { get; init; }
    public bool Edge { get; init; }
    public long Arrivals { get; init; }
    public long Completed { get; init; }
    public long Rejected { get; init; }
    public long Abandoned { get; init; }
    public double ThroughputPerSecond { get; init; }
    public double Utilization { get; init; }
    public double ProbabilityOfWait { get; init; }
    public double RejectionProbability { get; init; }
    public double AbandonmentProbability { get; init; }
    public double MeanBatchSize { get; init; }
    public double MeanQueueLength { get; init; }
    public double MeanInSystem { get; init; }
    public double SloAttainment { get; init; }
    public double GoodputPerSecond { get; init; }
    public LatencySummary WaitMs { get; init; } = LatencySummary.Empty;
    public LatencySummary LatencyMs { get; init; } = LatencySummary.Empty;

    /// <summary>Share of batches by size (size 1 first), over batches started in the measured window.</summary>
    public IReadOnlyList<BatchShare> BatchSizes { get; init; } = [];

    /// <summary>Device-seconds busy in the measured window, summed over the pool's servers (for energy).</summary>
    public double BusyDeviceSeconds { get; init; }

    /// <summary>Device-seconds idle in the measured window, summed over the pool's servers.</summary>
    public double IdleDeviceSeconds { get; init; }

    /// <summary>Busy seconds of each server (pools of at most 256 servers).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<double>? BusySecondsByServer { get; init; }

    /// <summary>Queries per second the pool can serve at most (full batches back to back); absent for generative pools.</summary>
    public double? CapacityPerSecond { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public LlmPoolResult? Llm { get; init; }
}

public sealed record BatchShare(int Size, double Share);

public sealed record CdfPoint(double Ms, double Fraction);

public sealed record ClassResult
{
    public required string Name { get; init; }
    public double? SloLatencyMs { get; init; }
    public long Arrivals { get; init; }
    public long Completed { get; init; }
    public long Rejected { get; init; }
    public long Abandoned { get; init; }
    public double SloAttainment { get; init; }
    public LatencySummary LatencyMs { get; init; } = LatencySummary.Empty;
}

/// <summary>The measured window in buckets of <see cref="IntervalSeconds"/>, for charts.</summary>
public sealed record TimeSeries
{
    public required double IntervalSeconds { get; init; }

    /// <summary>Start of each bucket, seconds after the warm-up.</summary>
    public required IReadOnlyList<double> StartSeconds { get; init; }

    public required IReadOnlyList<double> ArrivalsPerSecond { get; init; }
    public required IReadOnlyList<double> CompletionsPerSecond { get; init; }
    public required IReadOnlyList<double> MeanLatencyMs { get; init; }
    public required IReadOnlyList<double> Utilization { get; init; }
    public required IReadOnlyList<double> MeanQueueLength { get; init; }
}

/// <summary>95 % confidence half-widths (Student t over replications) of the key figures.</summary>
public sealed record Ci95
{
    public double ThroughputPerSecond { get; init; }
    public double Utilization { get; init; }
    public double ProbabilityOfWait { get; init; }
    public double RejectionProbability { get; init; }
    public double AbandonmentProbability { get; init; }
    public double MeanQueueLength { get; init; }
    public double SloAttainment { get; init; }
    public double MeanWaitMs { get; init; }
    public double MeanLatencyMs { get; init; }
    public double P99WaitMs { get; init; }
    public double P99LatencyMs { get; init; }
}
