using System.Text.Json.Serialization;
using MathNet.Numerics.Distributions;

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

    /// <summary>
    /// The devices' mean power activity over the window, 0 (idle) to 1 (TDP): a generative pool's iterations weighted by
    /// their compute- and memory-bound shares (see <c>Core.Economics.PowerModel</c>), any other busy server at 1.
    /// </summary>
    public double PowerActivity { get; init; }
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

    /// <summary>The nearest analytic result for this fleet, exact or approximate, to set beside the simulated figures; absent where none is near.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Engine.ClosedFormEstimate? ClosedForm { get; init; }

    /// <summary>
    /// Independent replications of one model as one result: counts are summed, every other figure is the mean over
    /// replications (maxima the largest), each part merged by its own type, and the key figures get Student-t 95 %
    /// half-widths. Stable only if every replication was (else the first one's reason). The time series is the
    /// first replication's: one path through time (a mean of paths would smooth away the bursts it is there to show).
    /// </summary>
    public static SimulationResult Merge(IReadOnlyList<SimulationResult> replications)
    {
        ArgumentNullException.ThrowIfNull(replications);
        if (replications.Count == 1)
        {
            return replications[0] with { Replications = 1 };
        }

        var runs = replications;
        var first = runs[0];
        var unstable = runs.FirstOrDefault(r => !r.Stable);
        var generative = first.TtftMs is not null;
        return new SimulationResult
        {
            Stable = unstable is null,
            Reason = unstable?.Reason,
            CapacityPerSecond = unstable?.CapacityPerSecond,
            OfferedLoadPerSecond = unstable?.OfferedLoadPerSecond,
            Arrivals = runs.Sum(r => r.Arrivals),
            Completed = runs.Sum(r => r.Completed),
            Rejected = runs.Sum(r => r.Rejected),
            Abandoned = runs.Sum(r => r.Abandoned),
            ThroughputPerSecond = runs.Average(r => r.ThroughputPerSecond),
            Utilization = runs.Average(r => r.Utilization),
            PowerActivity = runs.Average(r => r.PowerActivity),
            ProbabilityOfWait = runs.Average(r => r.ProbabilityOfWait),
            RejectionProbability = runs.Average(r => r.RejectionProbability),
            AbandonmentProbability = runs.Average(r => r.AbandonmentProbability),
            MeanBatchSize = runs.Average(r => r.MeanBatchSize),
            MeanQueueLength = runs.Average(r => r.MeanQueueLength),
            MeanInSystem = runs.Average(r => r.MeanInSystem),
            SloAttainment = runs.Average(r => r.SloAttainment),
            GoodputPerSecond = runs.Average(r => r.GoodputPerSecond),
            // The verdict of the majority of replications (none when no replication had a target).
            SloMet = runs.All(r => r.SloMet is null) ? null : runs.Count(r => r.SloMet == true) * 2 > runs.Count,
            WaitMs = LatencySummary.Merge([.. runs.Select(r => r.WaitMs)]),
            LatencyMs = LatencySummary.Merge([.. runs.Select(r => r.LatencyMs)]),
            LatencyCdf = CdfPoint.Merge([.. runs.Select(r => r.LatencyCdf)]),
            Pools = [.. Enumerable.Range(0, first.Pools.Count).Select(i => PoolResult.Merge([.. runs.Select(r => r.Pools[i])]))],
            Classes = [.. Enumerable.Range(0, first.Classes.Count).Select(i => ClassResult.Merge([.. runs.Select(r => r.Classes[i])]))],
            TimeSeries = first.TimeSeries,
            ClosedForm = first.ClosedForm,
            Replications = runs.Count,
            Seed = first.Seed,
            SimulatedSeconds = runs.Average(r => r.SimulatedSeconds),
            Events = runs.Sum(r => r.Events),
            Ci95 = Results.Ci95.Of(runs),
            TtftMs = generative ? LatencySummary.Merge([.. runs.Select(r => r.TtftMs!)]) : null,
            TpotMs = generative ? LatencySummary.Merge([.. runs.Select(r => r.TpotMs!)]) : null,
            OutputTokensPerSecond = generative ? runs.Average(r => r.OutputTokensPerSecond ?? 0) : null,
        };
    }
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

    /// <summary>The batch's composition: prompt tokens prefilled per iteration, mean over the measured window's iterations.</summary>
    public double MeanPrefillTokensPerStep { get; init; }

    /// <summary>The batch's composition: sequences decoding one token per iteration, mean over the measured window's iterations.</summary>
    public double MeanDecodeTokensPerStep { get; init; }
    public long KvCapacityTokensPerReplica { get; init; }

    /// <summary>The most cache tokens any replica held at once.</summary>
    public long PeakKvTokensPerReplica { get; init; }

    /// <summary>Cache tokens still held when the run ended (zero once every request has left).</summary>
    public long KvTokensAtEnd { get; init; }

    /// <summary>Where the step times come from: measured operator tables, carried from which device, or the fit made here.</summary>
    public string? StepTimes { get; init; }

    /// <summary>Measured requests with a shared prefix, when prefix caching is on.</summary>
    public long PrefixLookups { get; init; }

    /// <summary>Of those, the ones whose prefix was cached on their replica (its prefill skipped).</summary>
    public long PrefixHits { get; init; }

    /// <summary>Replications as one: counts summed, figures averaged, the peak and the cache left at the end the largest.</summary>
    public static LlmPoolResult Merge(IReadOnlyList<LlmPoolResult> replications)
    {
        ArgumentNullException.ThrowIfNull(replications);
        var runs = replications;
        return new LlmPoolResult
        {
            TtftMs = LatencySummary.Merge([.. runs.Select(r => r.TtftMs)]),
            TpotMs = LatencySummary.Merge([.. runs.Select(r => r.TpotMs)]),
            OutputTokensPerSecond = runs.Average(r => r.OutputTokensPerSecond),
            GoodputPerSecond = runs.Average(r => r.GoodputPerSecond),
            KvCacheUtilization = runs.Average(r => r.KvCacheUtilization),
            Preemptions = runs.Sum(r => r.Preemptions),
            MeanRunningSequences = runs.Average(r => r.MeanRunningSequences),
            Iterations = runs.Sum(r => r.Iterations),
            MeanPrefillTokensPerStep = runs.Average(r => r.MeanPrefillTokensPerStep),
            MeanDecodeTokensPerStep = runs.Average(r => r.MeanDecodeTokensPerStep),
            KvCapacityTokensPerReplica = runs[0].KvCapacityTokensPerReplica,
            PeakKvTokensPerReplica = runs.Max(r => r.PeakKvTokensPerReplica),
            KvTokensAtEnd = runs.Max(r => r.KvTokensAtEnd),
            StepTimes = runs[0].StepTimes,
            PrefixLookups = runs.Sum(r => r.PrefixLookups),
            PrefixHits = runs.Sum(r => r.PrefixHits),
        };
    }
}

/// <summary>Mean and percentiles of a time, ms (percentiles within 0.4 % of the recorded values).</summary>
public sealed record LatencySummary(double Mean, double P50, double P90, double P95, double P99, double P999, double Max)
{
    public static readonly LatencySummary Empty = new(0, 0, 0, 0, 0, 0, 0);

    /// <summary>Replications as one: each figure the mean over replications, the maximum the largest.</summary>
    public static LatencySummary Merge(IReadOnlyList<LatencySummary> replications)
    {
        ArgumentNullException.ThrowIfNull(replications);
        var runs = replications;
        return new(runs.Average(r => r.Mean), runs.Average(r => r.P50), runs.Average(r => r.P90), runs.Average(r => r.P95),
            runs.Average(r => r.P99), runs.Average(r => r.P999), runs.Max(r => r.Max));
    }

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

    /// <summary>Devices each server (replica) spans: its tensor-parallel degree for a generative pool, else 1.</summary>
    public int DevicesPerServer { get; init; } = 1;

    public bool Edge { get; init; }
    public long Arrivals { get; init; }
    public long Completed { get; init; }
    public long Rejected { get; init; }
    public long Abandoned { get; init; }
    public double ThroughputPerSecond { get; init; }
    public double Utilization { get; init; }

    /// <summary>
    /// The devices' mean power activity over the window, 0 (idle) to 1 (TDP): a generative pool's iterations weighted by
    /// their compute- and memory-bound shares (see <c>Core.Economics.PowerModel</c>), any other busy server at 1.
    /// </summary>
    public double PowerActivity { get; init; }
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

    /// <summary>Replications of one pool as one: counts summed, every other figure the mean over replications.</summary>
    public static PoolResult Merge(IReadOnlyList<PoolResult> replications)
    {
        ArgumentNullException.ThrowIfNull(replications);
        var runs = replications;
        var first = runs[0];
        return new PoolResult
        {
            Name = first.Name,
            Device = first.Device,
            Region = first.Region,
            Servers = first.Servers,
            DevicesPerServer = first.DevicesPerServer,
            Edge = first.Edge,
            Arrivals = runs.Sum(r => r.Arrivals),
            Completed = runs.Sum(r => r.Completed),
            Rejected = runs.Sum(r => r.Rejected),
            Abandoned = runs.Sum(r => r.Abandoned),
            ThroughputPerSecond = runs.Average(r => r.ThroughputPerSecond),
            Utilization = runs.Average(r => r.Utilization),
            PowerActivity = runs.Average(r => r.PowerActivity),
            ProbabilityOfWait = runs.Average(r => r.ProbabilityOfWait),
            RejectionProbability = runs.Average(r => r.RejectionProbability),
            AbandonmentProbability = runs.Average(r => r.AbandonmentProbability),
            MeanBatchSize = runs.Average(r => r.MeanBatchSize),
            MeanQueueLength = runs.Average(r => r.MeanQueueLength),
            MeanInSystem = runs.Average(r => r.MeanInSystem),
            SloAttainment = runs.Average(r => r.SloAttainment),
            GoodputPerSecond = runs.Average(r => r.GoodputPerSecond),
            WaitMs = LatencySummary.Merge([.. runs.Select(r => r.WaitMs)]),
            LatencyMs = LatencySummary.Merge([.. runs.Select(r => r.LatencyMs)]),
            BatchSizes = BatchShare.Merge([.. runs.Select(r => r.BatchSizes)]),
            BusyDeviceSeconds = runs.Average(r => r.BusyDeviceSeconds),
            IdleDeviceSeconds = runs.Average(r => r.IdleDeviceSeconds),
            BusySecondsByServer = first.BusySecondsByServer is null ? null
                : [.. Enumerable.Range(0, first.BusySecondsByServer.Count).Select(s => runs.Average(r => r.BusySecondsByServer![s]))],
            CapacityPerSecond = first.CapacityPerSecond,
            Llm = first.Llm is null ? null : LlmPoolResult.Merge([.. runs.Select(r => r.Llm!)]),
        };
    }
}

public sealed record BatchShare(int Size, double Share)
{
    /// <summary>Replications as one: each size's mean share over replications (0 where a replication had none).</summary>
    public static IReadOnlyList<BatchShare> Merge(IReadOnlyList<IReadOnlyList<BatchShare>> replications)
    {
        ArgumentNullException.ThrowIfNull(replications);
        return [.. replications.SelectMany(r => r).Select(b => b.Size).Distinct().Order()
            .Select(size => new BatchShare(size, replications.Average(r => r.FirstOrDefault(b => b.Size == size)?.Share ?? 0)))];
    }
}

public sealed record CdfPoint(double Ms, double Fraction)
{
    /// <summary>Replications as one: at each level, the mean latency over replications (the levels are the same in each).</summary>
    public static IReadOnlyList<CdfPoint> Merge(IReadOnlyList<IReadOnlyList<CdfPoint>> replications)
    {
        ArgumentNullException.ThrowIfNull(replications);
        var levels = replications.FirstOrDefault(r => r.Count > 0) ?? [];
        return [.. levels.Select((p, i) => p with { Ms = replications.Average(r => r.Count > i ? r[i].Ms : 0) })];
    }
}

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

    /// <summary>Replications of one class as one: counts summed, figures averaged.</summary>
    public static ClassResult Merge(IReadOnlyList<ClassResult> replications)
    {
        ArgumentNullException.ThrowIfNull(replications);
        var runs = replications;
        return new ClassResult
        {
            Name = runs[0].Name,
            SloLatencyMs = runs[0].SloLatencyMs,
            Arrivals = runs.Sum(r => r.Arrivals),
            Completed = runs.Sum(r => r.Completed),
            Rejected = runs.Sum(r => r.Rejected),
            Abandoned = runs.Sum(r => r.Abandoned),
            SloAttainment = runs.Average(r => r.SloAttainment),
            LatencyMs = LatencySummary.Merge([.. runs.Select(r => r.LatencyMs)]),
        };
    }
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

    /// <summary>Generative pools: the share of their KV cache in use (time mean over the bucket).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<double>? KvCacheUtilization { get; init; }

    /// <summary>Generative pools: sequences running in their batches (time mean over the bucket).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<double>? RunningSequences { get; init; }

    /// <summary>Generative pools: sequences preempted (sent back to recompute) per second.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<double>? PreemptionsPerSecond { get; init; }

    /// <summary>Generative pools: prompt tokens prefilled per iteration started in the bucket (mean; 0 without iterations).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<double>? PrefillTokensPerStep { get; init; }

    /// <summary>Generative pools: tokens decoded per iteration started in the bucket (mean; 0 without iterations).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<double>? DecodeTokensPerStep { get; init; }
}

/// <summary>95 % confidence half-widths (Student t over replications) of the key figures.</summary>
public sealed record Ci95
{
    /// <summary>The half-widths over <paramref name="replications"/> (two or more).</summary>
    public static Ci95 Of(IReadOnlyList<SimulationResult> replications)
    {
        ArgumentNullException.ThrowIfNull(replications);
        var runs = replications;
        var generative = runs[0].TtftMs is not null;
        return new Ci95
        {
            ThroughputPerSecond = HalfWidth(runs, r => r.ThroughputPerSecond),
            Utilization = HalfWidth(runs, r => r.Utilization),
            ProbabilityOfWait = HalfWidth(runs, r => r.ProbabilityOfWait),
            RejectionProbability = HalfWidth(runs, r => r.RejectionProbability),
            AbandonmentProbability = HalfWidth(runs, r => r.AbandonmentProbability),
            MeanQueueLength = HalfWidth(runs, r => r.MeanQueueLength),
            SloAttainment = HalfWidth(runs, r => r.SloAttainment),
            MeanWaitMs = HalfWidth(runs, r => r.WaitMs.Mean),
            MeanLatencyMs = HalfWidth(runs, r => r.LatencyMs.Mean),
            P99WaitMs = HalfWidth(runs, r => r.WaitMs.P99),
            P99LatencyMs = HalfWidth(runs, r => r.LatencyMs.P99),
            MeanTtftMs = generative ? HalfWidth(runs, r => r.TtftMs!.Mean) : null,
            P50TtftMs = generative ? HalfWidth(runs, r => r.TtftMs!.P50) : null,
            P90TtftMs = generative ? HalfWidth(runs, r => r.TtftMs!.P90) : null,
            P99TtftMs = generative ? HalfWidth(runs, r => r.TtftMs!.P99) : null,
            MeanTpotMs = generative ? HalfWidth(runs, r => r.TpotMs!.Mean) : null,
            P50TpotMs = generative ? HalfWidth(runs, r => r.TpotMs!.P50) : null,
            P90TpotMs = generative ? HalfWidth(runs, r => r.TpotMs!.P90) : null,
            P99TpotMs = generative ? HalfWidth(runs, r => r.TpotMs!.P99) : null,
            OutputTokensPerSecond = generative ? HalfWidth(runs, r => r.OutputTokensPerSecond ?? 0) : null,
            GoodputPerSecond = HalfWidth(runs, r => r.GoodputPerSecond),
        };
    }

    /// <summary>t(0.975, n−1) · s / √n over the replications.</summary>
    public static double HalfWidth<T>(IReadOnlyList<T> runs, Func<T, double> metric)
    {
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentNullException.ThrowIfNull(metric);
        var n = runs.Count;
        if (n < 2)
        {
            return 0;
        }

        var values = runs.Select(metric).ToArray();
        var mean = values.Average();
        var variance = values.Sum(v => (v - mean) * (v - mean)) / (n - 1);
        return StudentT.InvCDF(0, 1, n - 1, 0.975) * Math.Sqrt(variance / n);
    }

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

    /// <summary>Queries per second served within every target (for generative pools: TTFT, TPOT and latency).</summary>
    public double GoodputPerSecond { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? MeanTtftMs { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? P50TtftMs { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? P90TtftMs { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? P99TtftMs { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? MeanTpotMs { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? P50TpotMs { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? P90TpotMs { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? P99TpotMs { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? OutputTokensPerSecond { get; init; }
}
