using System.Text.Json.Serialization;

namespace InferencePlanner.Core.Scenarios;

// The scenario document users write and script against. Every member is optional at the JSON level so
// that validation, not the deserializer, reports what is missing, by its JSON path. Rates are per second,
// times in milliseconds, money in USD, energy in kWh, carbon in kg CO2e.

public sealed record Scenario
{
    public string? Name { get; init; }
    public string? Description { get; init; }
    public long? Seed { get; init; }
    public Horizon? Horizon { get; init; }
    public Workload? Workload { get; init; }
    public IReadOnlyList<PoolSpec>? Pools { get; init; }
    public RoutingSpec? Routing { get; init; }
    public SloSpec? Slo { get; init; }
    public GrowthSpec? Growth { get; init; }

    /// <summary>Width of the result's time-series buckets, seconds; none when absent.</summary>
    public double? TimeSeriesIntervalSeconds { get; init; }

    /// <summary>Upper bound on simulation events per replication (a guard against runaway runs).</summary>
    public long? MaxEvents { get; init; }
}

/// <summary>How long to simulate: either <c>queries</c> (+ <c>warmupQueries</c>) or <c>seconds</c> (+ <c>warmupSeconds</c>).</summary>
public sealed record Horizon
{
    public long? Queries { get; init; }
    public long? WarmupQueries { get; init; }
    public double? Seconds { get; init; }
    public double? WarmupSeconds { get; init; }
}

public sealed record Workload
{
    public ArrivalSpec? Arrivals { get; init; }

    /// <summary>A weighted mix of query classes, each with its own SLO; one implicit class when absent.</summary>
    public IReadOnlyList<QueryClassSpec>? Classes { get; init; }
}

/// <summary>
/// The arrival process. <c>kind</c>: <c>poisson</c> (<c>ratePerSecond</c>); <c>diurnal</c> (non-homogeneous
/// Poisson: <c>ratePerSecond</c> is the peak, shaped by <c>dailyShape</c> (24 hourly values), <c>weeklyShape</c>
/// (7 daily values, Monday first) and <c>monthlyGrowthPercent</c>); <c>bursts</c> (a two-state Markov-modulated
/// Poisson process: <c>ratePerSecond</c> and <c>burstRatePerSecond</c>, <c>meanNormalSeconds</c> and
/// <c>meanBurstSeconds</c>); <c>trace</c> (<c>path</c> to a CSV in the Azure LLM trace format, <c>speedup</c>).
/// </summary>
public sealed record ArrivalSpec
{
    public string? Kind { get; init; }
    public double? RatePerSecond { get; init; }
    public IReadOnlyList<double>? DailyShape { get; init; }
    public IReadOnlyList<double>? WeeklyShape { get; init; }
    public double? MonthlyGrowthPercent { get; init; }

    /// <summary>Hour of the (Monday) day at which simulated time 0 falls; 0 = midnight.</summary>
    public double? StartHour { get; init; }

    public double? BurstRatePerSecond { get; init; }
    public double? MeanNormalSeconds { get; init; }
    public double? MeanBurstSeconds { get; init; }
    public string? Path { get; init; }
    public double? Speedup { get; init; }
}

public sealed record QueryClassSpec
{
    public string? Name { get; init; }
    public double? Weight { get; init; }
    public SloSpec? Slo { get; init; }
}

public sealed record SloSpec
{
    public double? LatencyMs { get; init; }

    /// <summary>The latency percentile the target applies to, e.g. 99.</summary>
    public double? Percentile { get; init; }

    /// <summary>The highest acceptable share of rejected queries, percent.</summary>
    public double? MaxRejectionPercent { get; init; }
}

public sealed record PoolSpec
{
    public string? Name { get; init; }
    public string? Device { get; init; }
    public int? Count { get; init; }
    public string? Region { get; init; }
    public ServiceSpec? Service { get; init; }
    public BatchingSpec? Batching { get; init; }

    /// <summary>Most queries that may wait (not counting those in service); null = unbounded, 0 = a loss system.</summary>
    public int? MaxQueueLength { get; init; }

    /// <summary>A waiting query gives up (abandons) after this long without starting service; none when absent.</summary>
    public double? TimeoutMs { get; init; }

    /// <summary>Share of traffic for the weighted split; defaults to the pool's capacity.</summary>
    public double? Weight { get; init; }

    /// <summary>An edge pool (phones, gateways): served only by offloading, its latency includes the network round trip.</summary>
    public bool? Edge { get; init; }
}

/// <summary>
/// A batch's service time: a <c>distribution</c> (exponential, deterministic, erlang with <c>shape</c>,
/// hyperexponential or lognormal with <c>scv</c>) with <c>meanMs</c>, the mean time of one batch whatever
/// its size; or a <c>profile</c>: latency as a function of batch size.
/// </summary>
public sealed record ServiceSpec
{
    public string? Distribution { get; init; }
    public double? MeanMs { get; init; }
    public int? Shape { get; init; }
    public double? Scv { get; init; }
    public ProfileSpec? Profile { get; init; }
}

/// <summary>
/// Latency by batch size: measured <c>points</c> (interpolated linearly, extrapolated by the last segment)
/// or <c>alphaMs</c> + <c>betaMs</c>·b; multiplied by a mean-one lognormal jitter of squared coefficient of
/// variation <c>jitterScv</c>. As a bare string, the id of a stored profile.
/// </summary>
[JsonConverter(typeof(ProfileSpecConverter))]
public sealed record ProfileSpec
{
    public string? Id { get; init; }
    public IReadOnlyList<ProfilePoint>? Points { get; init; }
    public double? AlphaMs { get; init; }
    public double? BetaMs { get; init; }
    public double? JitterScv { get; init; }
}

public sealed record ProfilePoint(int Batch, double LatencyMs);

public sealed record BatchingSpec
{
    public int? MaxBatch { get; init; }
    public double? MaxWaitMs { get; init; }
}

/// <summary>
/// How arrivals are spread over the pools: <c>weighted</c> (random split by pool weight),
/// <c>join-shortest-queue</c>, or <c>power-of-two</c> (the shorter of two pools drawn by weight); and a share
/// offloaded to an edge pool.
/// </summary>
public sealed record RoutingSpec
{
    public string? Policy { get; init; }
    public OffloadSpec? Offload { get; init; }
}

public sealed record OffloadSpec
{
    public string? Pool { get; init; }
    public double? Share { get; init; }
    public double? NetworkRttMs { get; init; }
}

public sealed record GrowthSpec
{
    public int? Months { get; init; }
    public double? MonthlyGrowthPercent { get; init; }
}
