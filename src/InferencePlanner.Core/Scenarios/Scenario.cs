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
    public EconomicsSpec? Economics { get; init; }

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

    /// <summary>Input and output token counts of generative queries (a trace carries its own).</summary>
    public TokensSpec? Tokens { get; init; }

    /// <summary>Shared prompt prefixes: each generative request opens with one of <c>groups</c> prefixes of <c>tokens</c> tokens (part of its input tokens).</summary>
    public PrefixSpec? Prefix { get; init; }
}

/// <summary>Each request's prompt starts with one of <see cref="Groups"/> shared prefixes (a system prompt) of <see cref="Tokens"/> tokens, drawn uniformly.</summary>
public sealed record PrefixSpec
{
    public int? Tokens { get; init; }
    public int? Groups { get; init; }
}

public sealed record TokensSpec
{
    public TokenDistributionSpec? Input { get; init; }
    public TokenDistributionSpec? Output { get; init; }
}

/// <summary>A token count: <c>deterministic</c>, <c>exponential</c> or <c>lognormal</c> (with <c>scv</c>) of <c>mean</c> tokens, at least 1 and at most <c>max</c>.</summary>
public sealed record TokenDistributionSpec
{
    public string? Distribution { get; init; }
    public double? Mean { get; init; }
    public double? Scv { get; init; }
    public int? Max { get; init; }
}

/// <summary>
/// A generative-LLM pool: a model preset served at a precision with tensor parallelism (devices per replica),
/// continuous batching up to <c>maxBatchedTokens</c> a step (prefill chunked to fit) and <c>maxSequences</c>
/// running sequences, a KV cache in <c>memoryUtilization</c> of the replica's memory less the weights.
/// </summary>
public sealed record LlmSpec
{
    /// <summary>A preset name, a path to a Hugging Face config.json, or its keys inline.</summary>
    public Llm.LlmModelSpec? Model { get; init; }
    public string? Precision { get; init; }
    public int? TensorParallel { get; init; }
    public int? MaxBatchedTokens { get; init; }
    public int? MaxSequences { get; init; }
    public double? MemoryUtilization { get; init; }

    /// <summary>Precision of the KV cache (default: the model's precision).</summary>
    public string? KvPrecision { get; init; }

    /// <summary>Reuse cached blocks of shared prompt prefixes instead of prefilling them again (default true, as vLLM).</summary>
    public bool? PrefixCaching { get; init; }

    /// <summary>
    /// Plan each iteration while the one before it runs (default true, as vLLM): a request arriving during a batch
    /// joins the iteration after the next.
    /// </summary>
    public bool? AsyncScheduling { get; init; }
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

    /// <summary>Generative pools: time to first token at the percentile, ms.</summary>
    public double? TtftMs { get; init; }

    /// <summary>Generative pools: time per output token (after the first) at the percentile, ms.</summary>
    public double? TpotMs { get; init; }
}

public sealed record PoolSpec
{
    public string? Name { get; init; }
    public string? Device { get; init; }
    public int? Count { get; init; }
    public string? Region { get; init; }
    public ServiceSpec? Service { get; init; }
    public BatchingSpec? Batching { get; init; }

    /// <summary>A generative-LLM pool (replaces service and batching); <c>count</c> is then its replicas.</summary>
    public LlmSpec? Llm { get; init; }

    /// <summary>Most queries that may wait (not counting those in service); null = unbounded, 0 = a loss system.</summary>
    public int? MaxQueueLength { get; init; }

    /// <summary>A waiting query gives up (abandons) after this long without starting service; none when absent.</summary>
    public double? TimeoutMs { get; init; }

    /// <summary>Share of traffic for the weighted split; defaults to the pool's capacity.</summary>
    public double? Weight { get; init; }

    /// <summary>An edge pool (phones, gateways): served only by offloading, its latency includes the network round trip.</summary>
    public bool? Edge { get; init; }

    /// <summary>Forecasts: the month from which this pool's device can be used.</summary>
    public int? AvailableFromMonth { get; init; }

    /// <summary>Pricing of this pool (overrides economics.pricing): on-demand, reserved-1y, reserved-3y, spot.</summary>
    public string? Pricing { get; init; }

    /// <summary>Owned hardware instead of a cloud price.</summary>
    public OwnedSpec? Owned { get; init; }
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

/// <summary>
/// How traffic and the fleet evolve over a forecast of <c>months</c> (months 0 … months−1). Month m's peak is
/// the workload's peak × the growth multiplier: compound <c>monthlyGrowthPercent</c> (the default curve), or a
/// <c>logistic</c> S-curve toward <c>saturationMultiplier</c>; times any step <c>launches</c> from their month on.
/// </summary>
public sealed record GrowthSpec
{
    public int? Months { get; init; }
    public double? MonthlyGrowthPercent { get; init; }

    /// <summary><c>compound</c> (default) or <c>logistic</c>.</summary>
    public string? Curve { get; init; }

    /// <summary>Logistic: the multiplier traffic tends to.</summary>
    public double? SaturationMultiplier { get; init; }

    /// <summary>Logistic: the month at which traffic is halfway (in log terms) to saturation.</summary>
    public double? MidpointMonth { get; init; }

    /// <summary>Standard deviation of the monthly growth, percent points: Monte Carlo P10 / P50 / P90 bands.</summary>
    public double? MonthlyGrowthSdPercent { get; init; }

    /// <summary>Monte Carlo paths for the bands (default 2,000).</summary>
    public int? Samples { get; init; }

    public IReadOnlyList<LaunchSpec>? Launches { get; init; }

    /// <summary>The model gets this much faster each year (service times shrink by (1 − g)^(m/12)).</summary>
    public double? EfficiencyGainPercentPerYear { get; init; }

    /// <summary>Prices fall this much each year.</summary>
    public double? PriceDeclinePercentPerYear { get; init; }

    /// <summary>Spare capacity: <c>spareServers</c> per pool (N+1 = 1) and/or <c>percent</c> more servers.</summary>
    public HeadroomSpec? Headroom { get; init; }

    /// <summary>From its month on, a pool's service changes (e.g. a quantized profile).</summary>
    public IReadOnlyList<ServiceSwitchSpec>? ServiceSwitches { get; init; }
}

public sealed record LaunchSpec(int Month, double Multiplier);

public sealed record HeadroomSpec
{
    public int? SpareServers { get; init; }
    public double? Percent { get; init; }
}

public sealed record ServiceSwitchSpec
{
    public int? Month { get; init; }
    public string? Pool { get; init; }
    public ServiceSpec? Service { get; init; }
}

/// <summary>What the fleet costs and emits.</summary>
public sealed record EconomicsSpec
{
    /// <summary>Default pricing of cloud pools: on-demand, reserved-1y, reserved-3y or spot.</summary>
    public string? Pricing { get; init; }

    /// <summary>Spot: the share of work lost to interruptions and run again, percent.</summary>
    public double? SpotInterruptionPercent { get; init; }

    /// <summary>
    /// Where a pool's region has no price for its device at its pricing: <c>none</c> (default: the cost is unknown) or
    /// <c>cheapest-anywhere</c> (the cheapest price of any region, named beside the figure).
    /// </summary>
    public string? PriceFallback { get; init; }

    /// <summary>
    /// Where energy (and so operational carbon) is counted: <c>accelerator</c> (the devices alone), <c>server</c> (with
    /// <see cref="HostWattsPerDevice"/>, at the wall) or <c>facility</c> (default: the servers × the region's PUE).
    /// </summary>
    public string? EnergyBoundary { get; init; }

    /// <summary>
    /// The host's draw per accelerator (CPU, memory, NICs, fans: the server's power over its accelerators), watts, counted at
    /// the server and facility boundaries; unknown (not counted, and said) unless given.
    /// </summary>
    public double? HostWattsPerDevice { get; init; }

    /// <summary>Hourly grid intensity (24 values, g CO2e/kWh, hour 0 first) by region id, to meet the daily load curve.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<double>>? HourlyGridGramsCo2PerKwh { get; init; }

    /// <summary>Years over which embodied carbon (and owned hardware) is amortized; default the catalog's stand-in.</summary>
    public double? DeviceLifeYears { get; init; }

    /// <summary>Size the cheapest (or least-carbon) mix of the listed pools instead of each pool for its own share.</summary>
    public MixSpec? Mix { get; init; }

    /// <summary>Autoscaling that follows the daily curve, compared with the static peak-sized fleet.</summary>
    public AutoscaleSpec? Autoscaling { get; init; }

    /// <summary>
    /// This scenario's what-ifs over the team's catalog (the catalog itself is not changed): each is named beside the
    /// figures it moves.
    /// </summary>
    public WhatIfSpec? WhatIf { get; init; }
}

/// <summary>
/// Scenario-level overrides of catalog facts, for every cloud region the scenario's pools use: <c>pue</c>,
/// <c>gridGramsCo2PerKwh</c> (a number) or <c>hourlyGridGramsCo2PerKwh</c> (24 values, hour 0 first; edge pools too),
/// <c>electricityUsdPerKwh</c> (what owned hardware pays), and <c>devicePrices</c> (a device's price per device-hour,
/// with a note saying where it comes from).
/// </summary>
public sealed record WhatIfSpec
{
    public double? Pue { get; init; }
    public double? GridGramsCo2PerKwh { get; init; }
    public IReadOnlyList<double>? HourlyGridGramsCo2PerKwh { get; init; }
    public double? ElectricityUsdPerKwh { get; init; }
    public IReadOnlyList<DevicePriceSpec>? DevicePrices { get; init; }
}

/// <summary>A device's price in this scenario: USD per device-hour at a pricing (default: every pricing), in every region.</summary>
public sealed record DevicePriceSpec
{
    public string? Device { get; init; }
    public double? UsdPerDeviceHour { get; init; }
    public string? Pricing { get; init; }

    /// <summary>Where the figure comes from (a quote, a negotiated rate): required, shown beside the cost.</summary>
    public string? Note { get; init; }
}

public sealed record MixSpec
{
    /// <summary><c>cost</c>, <c>carbon</c> or <c>blend</c> (cost + carbon × <c>carbonPriceUsdPerTonne</c>).</summary>
    public string? Objective { get; init; }

    public double? CarbonPriceUsdPerTonne { get; init; }
}

public sealed record AutoscaleSpec
{
    public double? ScaleUpDelayMinutes { get; init; }
    public int? MinServers { get; init; }
    public int? MaxServers { get; init; }
}

/// <summary>Hardware the user owns: bought once, amortized, powered and hosted.</summary>
public sealed record OwnedSpec
{
    public double? PurchaseUsd { get; init; }
    public double? LifeYears { get; init; }
    public double? HostingUsdPerMonth { get; init; }
}
