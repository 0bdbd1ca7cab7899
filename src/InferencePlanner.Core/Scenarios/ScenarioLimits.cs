namespace InferencePlanner.Core.Scenarios;

/// <summary>What a scenario may ask for. Beyond these a run would be absurd or would not end in useful time.</summary>
public static class ScenarioLimits
{
    public const long MaxQueries = 10_000_000_000;
    public const double MaxSeconds = 10 * 365.25 * 86_400; // ten years
    public const double MaxRatePerSecond = 1e8;
    public const double MaxServiceMs = 1e9;
    public const int MaxPools = 64;
    public const int MaxServersPerPool = 100_000;
    public const int MaxBatch = 65_536;
    public const int MaxClasses = 64;
    public const long MaxEvents = 100_000_000_000;
    public const long DefaultMaxEvents = 10_000_000_000;
    public const int MaxTimeSeriesPoints = 100_000;

    /// <summary>The longest forecast, and the latest month anything in it may happen (fifty years).</summary>
    public const int MaxMonths = 600;
}

/// <summary>Names the scenario format accepts.</summary>
public static class ScenarioNames
{
    public const string Poisson = "poisson";

    /// <summary>Evenly spaced arrivals at a fixed rate (what load generators call a constant rate).</summary>
    public const string Constant = "constant";
    public const string Diurnal = "diurnal";
    public const string Bursts = "bursts";
    public const string Trace = "trace";

    public const string Exponential = "exponential";
    public const string Deterministic = "deterministic";
    public const string Erlang = "erlang";
    public const string Hyperexponential = "hyperexponential";
    public const string Lognormal = "lognormal";

    public const string Weighted = "weighted";
    public const string JoinShortestQueue = "join-shortest-queue";
    public const string PowerOfTwo = "power-of-two";

    public const string Compound = "compound";
    public const string Logistic = "logistic";

    public const string CostObjective = "cost";
    public const string CarbonObjective = "carbon";
    public const string BlendObjective = "blend";

    public static readonly string[] ArrivalKinds = [Poisson, Constant, Diurnal, Bursts, Trace];
    public static readonly string[] GrowthCurves = [Compound, Logistic];
    public static readonly string[] MixObjectives = [CostObjective, CarbonObjective, BlendObjective];

    public const string NoPriceFallback = "none";
    public const string CheapestAnywhere = "cheapest-anywhere";

    /// <summary>What a pool is billed at when its region has no price (economics.priceFallback).</summary>
    public static readonly string[] PriceFallbacks = [NoPriceFallback, CheapestAnywhere];

    public const string AcceleratorBoundary = "accelerator";
    public const string ServerBoundary = "server";
    public const string FacilityBoundary = "facility";

    /// <summary>
    /// Where energy is measured (economics.energyBoundary): the accelerators alone (what nvidia-smi reports), the
    /// servers at the wall (accelerators + economics.hostWattsPerDevice), or the facility (the servers × PUE).
    /// </summary>
    public static readonly string[] EnergyBoundaries = [AcceleratorBoundary, ServerBoundary, FacilityBoundary];

    /// <summary>How a generative query's input or output tokens are drawn.</summary>
    public static readonly string[] TokenDistributions = [Deterministic, Exponential, Lognormal];
    public static readonly string[] Distributions = [Exponential, Deterministic, Erlang, Hyperexponential, Lognormal];
    public static readonly string[] RoutingPolicies = [Weighted, JoinShortestQueue, PowerOfTwo];
}
