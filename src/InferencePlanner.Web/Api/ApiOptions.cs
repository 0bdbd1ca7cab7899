namespace InferencePlanner.Web.Api;

/// <summary>
/// What one request may ask of this server (configuration section <c>Api</c>). Each limit, when passed, is
/// answered 400 naming the field and the limit's setting, or 413 for a body that is too large; work beyond
/// the concurrent runs and their queue is answered 429 with <c>Retry-After</c>.
/// </summary>
public sealed class ApiOptions
{
    public const string Section = "Api";

    /// <summary>Largest JSON request body, bytes.</summary>
    public long MaxRequestBytes { get; set; } = 1024 * 1024;

    /// <summary>Largest uploaded .onnx file, bytes.</summary>
    public long MaxUploadBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>Most queries one simulate request may run: (warm-up + measured) × replications.</summary>
    public long MaxQueriesPerRun { get; set; } = Simulation.Engine.RunLimits.DefaultMaxQueriesPerRun;

    /// <summary>Longest simulated horizon (warm-up + measured) of a time-bounded run, seconds.</summary>
    public double MaxHorizonSeconds { get; set; } = Simulation.Engine.RunLimits.DefaultMaxHorizonSeconds;

    public int MaxReplications { get; set; } = 32;

    /// <summary>Bound on the events of each replication (the run stops there and says so).</summary>
    public long MaxEvents { get; set; } = 200_000_000;

    /// <summary>Most months a forecast may cover.</summary>
    public int MaxForecastMonths { get; set; } = 120;

    /// <summary>Wall-clock limit of one simulate or forecast request, seconds.</summary>
    public double MaxRunSeconds { get; set; } = 120;

    /// <summary>Simulations and forecasts running at once (default: one per core).</summary>
    public int MaxConcurrentRuns { get; set; } = Environment.ProcessorCount;

    /// <summary>The most variants one sweep may have.</summary>
    public int MaxSweepVariants { get; set; } = Planning.Sweeps.SweepDocument.DefaultMaxVariants;

    /// <summary>Requests waiting for a run slot; beyond them, 429.</summary>
    public int MaxQueuedRuns { get; set; } = 2 * Environment.ProcessorCount;
}
