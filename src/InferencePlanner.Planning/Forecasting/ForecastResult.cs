using System.Text.Json.Serialization;

namespace InferencePlanner.Planning.Forecasting;

/// <summary>The monthly forecast (the contract of the <c>forecast</c> command). Money in USD, energy in kWh, carbon in kg CO2e.</summary>
public sealed record ForecastResult
{
    public required string Scenario { get; init; }
    public required IReadOnlyList<MonthForecast> Months { get; init; }
    public required ForecastTotals Totals { get; init; }

    /// <summary>What the forecast could not price or power, and the stand-ins it used.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>What the energy figures cover (the boundary: accelerators, servers or facility) and the power model they rest on.</summary>
    public IReadOnlyList<string> EnergyAssumptions { get; init; } = [];

    /// <summary>For each generative pool, where its step times come from and how well such steps replay measured serving.</summary>
    public IReadOnlyList<string> StepTimes { get; init; } = [];

    /// <summary>The scenario's what-ifs over the catalog (economics.whatIf), each with the catalog figure it replaces.</summary>
    public IReadOnlyList<string> WhatIfs { get; init; } = [];
}

public sealed record MonthForecast
{
    public required int Month { get; init; }
    public required double PeakRatePerSecond { get; init; }
    public required IReadOnlyList<PoolForecast> Pools { get; init; }
    public double LatencyMsP50 { get; init; }
    public double LatencyMsP99 { get; init; }
    public bool SloMet { get; init; }

    /// <summary>Why no fleet within the limits meets the SLO this month (then no count, cost, energy or carbon is claimed).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Unmet { get; init; }

    public double Utilization { get; init; }
    public double Queries { get; init; }

    /// <summary>The month's cost; null (unknown) when any pool's is: never a sum that counts an unknown price as zero.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public double? CostUsd { get; init; }

    public double EnergyKWh { get; init; }

    /// <summary>Energy drawn by edge devices at their own power (no facility overhead), kept apart.</summary>
    public double EdgeEnergyKWh { get; init; }

    public double CarbonKg { get; init; }
    public double OperationalCarbonKg { get; init; }
    public double EmbodiedCarbonKg { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public double? CostPerMillionQueriesUsd { get; init; }

    public double GramsCo2PerQuery { get; init; }
    public double JoulesPerQuery { get; init; }

    /// <summary>Cost by pricing and by region; a group with any pool of unknown price is null.</summary>
    public IReadOnlyDictionary<string, double?> CostByPricing { get; init; } = new Dictionary<string, double?>();

    public IReadOnlyDictionary<string, double?> CostByRegion { get; init; } = new Dictionary<string, double?>();

    /// <summary>P10 / P50 / P90 of the peak rate, cost, energy (with edge devices') and carbon under uncertain growth (absent without it).</summary>
    public Band? PeakRateBand { get; init; }
    public Band? CostBand { get; init; }
    public Band? EnergyBand { get; init; }
    public Band? CarbonBand { get; init; }

    /// <summary>With autoscaling: the fleet that follows the daily curve, against this static peak-sized one.</summary>
    public AutoscaleComparison? Autoscaling { get; init; }
}

public sealed record PoolForecast
{
    public required string Name { get; init; }
    public string? Device { get; init; }
    public string? Region { get; init; }
    public required int Count { get; init; }

    /// <summary>Servers the SLO needs before headroom.</summary>
    public int RequiredCount { get; init; }

    public double RatePerSecond { get; init; }
    public double Utilization { get; init; }

    /// <summary>
    /// Its devices' power activity at the peak, 0 (idle) to 1 (TDP): what its energy follows (see <c>PowerModel</c>); null in
    /// forecasts saved before it was recorded.
    /// </summary>
    public double? PowerActivity { get; init; }

    public double LatencyMsP50 { get; init; }
    public double LatencyMsP99 { get; init; }
    public string? SizingMethod { get; init; }
    public string? Pricing { get; init; }
    public double? UsdPerDeviceHour { get; init; }

    /// <summary>Where the price came from (provider, instance, region, a fallback named), or why there is none.</summary>
    public string? PriceSource { get; init; }

    /// <summary>The pool's cost for the month; null (unknown) when no price is known for its device there.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public double? CostUsd { get; init; }

    public double EnergyKWh { get; init; }
    public double OperationalCarbonKg { get; init; }
    public double EmbodiedCarbonKg { get; init; }
    public bool Edge { get; init; }
    public bool SloMet { get; init; }

    /// <summary>A generative pool's tensor-parallel degree: the one listed, or the one the sizing chose.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? TensorParallel { get; init; }

    /// <summary>
    /// For a generative pool whose tensor-parallel degree is not listed: each degree the sizing tried (1, 2, 4, 8), what
    /// it needs or why it cannot serve; the one chosen needs the fewest devices.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<ParallelismAlternative>? Alternatives { get; init; }

    [JsonIgnore]
    internal Economics.PowerFacts? Power { get; init; }
}

/// <summary>One tensor-parallel degree tried for a generative pool: replicas and devices it needs (null when it cannot serve, and why).</summary>
public sealed record ParallelismAlternative(int TensorParallel, int? Replicas, int? Devices, bool Chosen, string Note);

public sealed record Band(double P10, double P50, double P90);

/// <summary>The fleet that follows the daily curve against the static one; costs null (unknown) when a price is.</summary>
public sealed record AutoscaleComparison(double DeviceHoursStatic, double DeviceHoursAutoscaled,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] double? CostUsdAutoscaled, double CarbonKgAutoscaled,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] double? CostSavingUsd, double CarbonSavingKg);

/// <summary>
/// Sums over the months; the cost null (unknown) when any month's is. Under uncertain growth, the bands are the months'
/// P10s, P50s and P90s summed (each month at the same percentile).
/// </summary>
public sealed record ForecastTotals([property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] double? CostUsd, double EnergyKWh, double CarbonKg, double Queries)
{
    public Band? CostBand { get; init; }
    public Band? EnergyBand { get; init; }
    public Band? CarbonBand { get; init; }
}
