using InferencePlanner.Core.Catalog;
using InferencePlanner.Core.Llm;
using InferencePlanner.Core.Profiles;
using InferencePlanner.Core.Scenarios;
using InferencePlanner.Simulation.Fleet;
using InferencePlanner.Simulation.Kernel;
using InferencePlanner.Simulation.Workload;

namespace InferencePlanner.Simulation.Engine;

/// <summary>
/// A validated scenario turned into what the engine runs: defaults applied, times in seconds, the trace
/// loaded once and shared read-only by every replication, and each pool's capacity worked out.
/// </summary>
public sealed class SimulationModel
{
    private SimulationModel(Scenario scenario)
    {
        Scenario = scenario;
    }

    /// <summary>A copy of <paramref name="other"/>: every setting once, so that a variant names only what it changes.</summary>
    private SimulationModel(SimulationModel other)
    {
        Scenario = other.Scenario;
        Seed = other.Seed;
        HorizonInQueries = other.HorizonInQueries;
        WarmupQueries = other.WarmupQueries;
        MeasuredQueries = other.MeasuredQueries;
        WarmupSeconds = other.WarmupSeconds;
        MeasuredSeconds = other.MeasuredSeconds;
        Pools = other.Pools;
        Classes = other.Classes;
        RoutingPolicy = other.RoutingPolicy;
        OffloadPool = other.OffloadPool;
        OffloadShare = other.OffloadShare;
        OffloadRttSeconds = other.OffloadRttSeconds;
        SloLatencySeconds = other.SloLatencySeconds;
        SloPercentile = other.SloPercentile;
        SloMaxRejectionPercent = other.SloMaxRejectionPercent;
        Trace = other.Trace;
        TimeSeriesIntervalSeconds = other.TimeSeriesIntervalSeconds;
        MaxEvents = other.MaxEvents;
        ReplayedServiceSeconds = other.ReplayedServiceSeconds;
    }

    public Scenario Scenario { get; }
    public long Seed { get; private init; }
    public bool HorizonInQueries { get; private init; }
    public long WarmupQueries { get; private init; }
    public long MeasuredQueries { get; private init; }
    public double WarmupSeconds { get; private init; }
    public double MeasuredSeconds { get; private init; }
    public IReadOnlyList<PoolModel> Pools { get; private init; } = [];
    public IReadOnlyList<ClassModel> Classes { get; private init; } = [];
    public string RoutingPolicy { get; private init; } = ScenarioNames.Weighted;
    public int OffloadPool { get; private init; } = -1;
    public double OffloadShare { get; private init; }
    public double OffloadRttSeconds { get; private init; }
    public double SloLatencySeconds { get; private init; } = double.PositiveInfinity;
    public double SloPercentile { get; private init; } = 99;
    public double? SloMaxRejectionPercent { get; private init; }
    public ArrivalTrace? Trace { get; private init; }
    public double? TimeSeriesIntervalSeconds { get; private init; }
    public long MaxEvents { get; private init; }

    /// <summary>Whether any pool is generative (queries then carry tokens).</summary>
    public bool HasLlmPools => Pools.Any(p => p.Llm is not null);

    /// <summary>Test hook: service times replayed in order instead of drawn (pool 0).</summary>
    internal double[]? ReplayedServiceSeconds { get; init; }

    /// <summary>Validates <paramref name="scenario"/> and compiles it; relative trace paths resolve against <paramref name="baseDirectory"/>.</summary>
    public static SimulationModel Compile(Scenario scenario, DeviceCatalog? catalog = null, string? baseDirectory = null, ProfileStore? profiles = null)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ScenarioValidator.ThrowIfInvalid(scenario, catalog, profiles is null ? null : profiles.Contains);

        var arrivals = scenario.Workload!.Arrivals!;
        ArrivalTrace? trace = null;
        if (arrivals.Kind == ScenarioNames.Trace)
        {
            var path = ResolveTracePath(arrivals.Path!, baseDirectory);
            try
            {
                trace = ArrivalTrace.Load(path);
            }
            catch (TraceFormatException ex)
            {
                throw new ScenarioException("$.workload.arrivals.path", ex.Message);
            }
        }

        // Stored profiles become their measured points and jitter.
        var pools = scenario.Pools!
            .Select(p => p.Service?.Profile is { } profile && profiles is not null
                ? p with { Service = p.Service! with { Profile = profiles.Resolve(profile) } }
                : p)
            .Select(p => PoolModel.From(p, catalog, scenario.Slo, profiles))
            .ToList();
        var classes = scenario.Workload.Classes is { Count: > 0 } specified
            ? specified.Select(c => new ClassModel(
                c.Name!,
                c.Weight!.Value,
                ((c.Slo ?? scenario.Slo)?.LatencyMs / 1000.0) ?? double.PositiveInfinity,
                (c.Slo ?? scenario.Slo)?.Percentile ?? 99)).ToList()
            : [new ClassModel("default", 1, (scenario.Slo?.LatencyMs / 1000.0) ?? double.PositiveInfinity, scenario.Slo?.Percentile ?? 99)];

        var horizon = scenario.Horizon!;
        var offload = scenario.Routing?.Offload;
        var offloadPool = offload is null ? -1 : pools.FindIndex(p => p.Name == offload.Pool);
        return new SimulationModel(scenario)
        {
            Seed = scenario.Seed ?? 1,
            HorizonInQueries = horizon.Queries is not null,
            WarmupQueries = horizon.WarmupQueries ?? 0,
            MeasuredQueries = horizon.Queries ?? 0,
            WarmupSeconds = horizon.WarmupSeconds ?? 0,
            MeasuredSeconds = horizon.Seconds ?? 0,
            Pools = pools,
            Classes = classes,
            RoutingPolicy = scenario.Routing?.Policy ?? ScenarioNames.Weighted,
            OffloadPool = offloadPool,
            OffloadShare = offload?.Share ?? 0,
            OffloadRttSeconds = (offload?.NetworkRttMs ?? 0) / 1000.0,
            SloLatencySeconds = (scenario.Slo?.LatencyMs / 1000.0) ?? double.PositiveInfinity,
            SloPercentile = scenario.Slo?.Percentile ?? 99,
            SloMaxRejectionPercent = scenario.Slo?.MaxRejectionPercent,
            Trace = trace,
            TimeSeriesIntervalSeconds = scenario.TimeSeriesIntervalSeconds,
            MaxEvents = scenario.MaxEvents ?? ScenarioLimits.DefaultMaxEvents,
        };
    }

    /// <summary>
    /// A copy with another seed and/or measured horizon (the command line's --seed and --queries), and/or a
    /// tighter bound on events (a server's limit: the lower of it and the scenario's own applies).
    /// </summary>
    public SimulationModel With(long? seed = null, long? queries = null, long? maxEvents = null)
    {
        if (maxEvents is < 1)
        {
            throw new ScenarioException("maxEvents", "must be at least 1");
        }

        if (queries is { } q && (q < 1 || q > ScenarioLimits.MaxQueries))
        {
            throw new ScenarioException("--queries", $"must be from 1 to {ScenarioLimits.MaxQueries:E0}");
        }

        if (seed is < 0)
        {
            throw new ScenarioException("--seed", "must be zero or positive");
        }

        return new SimulationModel(this)
        {
            Seed = seed ?? Seed,
            HorizonInQueries = queries is not null || HorizonInQueries,
            WarmupQueries = queries is not null && !HorizonInQueries ? 0 : WarmupQueries,
            MeasuredQueries = queries ?? MeasuredQueries,
            WarmupSeconds = queries is not null ? 0 : WarmupSeconds,
            MeasuredSeconds = queries is not null ? 0 : MeasuredSeconds,
            MaxEvents = maxEvents is { } bound ? Math.Min(bound, MaxEvents) : MaxEvents,
        };
    }

    /// <summary>A copy whose first pool replays <paramref name="serviceSeconds"/> in order (exact checks).</summary>
    internal SimulationModel WithReplayedService(double[] serviceSeconds) => new(this) { ReplayedServiceSeconds = serviceSeconds };

    /// <summary>The arrival process of one replication, on its own random sequence.</summary>
    public ArrivalProcess CreateArrivals(int replication)
    {
        var spec = Scenario.Workload!.Arrivals!;
        var random = RandomSequence.For(Seed, replication, RandomSequence.Purpose.Arrivals);
        return spec.Kind switch
        {
            ScenarioNames.Poisson => new PoissonArrivals(spec.RatePerSecond!.Value, random),
            ScenarioNames.Diurnal => new DiurnalArrivals(spec.RatePerSecond!.Value, spec.DailyShape, spec.WeeklyShape,
                spec.MonthlyGrowthPercent ?? 0, spec.StartHour ?? 0, random),
            ScenarioNames.Bursts => new BurstArrivals(spec.RatePerSecond!.Value, spec.BurstRatePerSecond!.Value,
                spec.MeanNormalSeconds!.Value, spec.MeanBurstSeconds!.Value, random),
            _ => new TraceArrivals(Trace!, spec.Speedup ?? 1),
        };
    }

    /// <summary>Roughly how long the run spans in simulated seconds (warm-up included), for rates averaged over it.</summary>
    public double ExpectedSpanSeconds(double meanRate) =>
        HorizonInQueries
            ? (WarmupQueries + MeasuredQueries) / Math.Max(meanRate, 1e-12)
            : WarmupSeconds + MeasuredSeconds;

    /// <summary>
    /// Where a scenario's trace <paramref name="path"/> points: as given when rooted, else under
    /// <paramref name="baseDirectory"/>, the working folder, or the shipped data/traces (the first that exists).
    /// </summary>
    public static string ResolveTracePath(string path, string? baseDirectory)
    {
        if (Path.IsPathRooted(path))
        {
            return path;
        }

        var candidates = new List<string>();
        if (baseDirectory is not null)
        {
            candidates.Add(Path.Combine(baseDirectory, path));
        }

        candidates.Add(Path.GetFullPath(path));
        // Bare names of the shipped traces: data/traces beside the program or in the repository.
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            candidates.Add(Path.Combine(dir.FullName, "data", "traces", path));
        }

        return candidates.FirstOrDefault(File.Exists) ?? candidates[0];
    }
}

/// <summary>One pool as the engine sees it (times in seconds).</summary>
public sealed record PoolModel
{
    public required string Name { get; init; }
    public string? Device { get; init; }
    public string? Region { get; init; }
    public required int Servers { get; init; }
    public required int MaxBatch { get; init; }
    public required double MaxWaitSeconds { get; init; }

    /// <summary>The most queries that may wait; <see cref="int.MaxValue"/> when unbounded.</summary>
    public required int MaxQueueLength { get; init; }

    public required double TimeoutSeconds { get; init; }
    public double? Weight { get; init; }
    public bool IsEdge { get; init; }
    public required ServiceSpec Service { get; init; }

    /// <summary>For a generative-LLM pool: its step model and limits (then <see cref="Service"/> is unused).</summary>
    public LlmPoolModel? Llm { get; init; }

    /// <summary>Queries per second the pool can serve at most: full batches back to back on every server.</summary>
    public double CapacityPerSecond
    {
        get
        {
            if (Llm is not null)
            {
                return double.PositiveInfinity; // bounded by its KV cache and token budget, not a fixed rate
            }

            var model = ServiceTimeModel.Create(Service, MaxBatch);
            var best = 0.0;
            for (var b = model.DependsOnBatchSize ? 1 : MaxBatch; b <= MaxBatch; b++)
            {
                best = Math.Max(best, b / model.Mean(b));
            }

            return Servers * best;
        }
    }

    /// <summary>Whether queries can be lost (a bounded queue or a timeout), which keeps the pool stable under any load.</summary>
    public bool ShedsLoad => MaxQueueLength != int.MaxValue || !double.IsPositiveInfinity(TimeoutSeconds);

    internal static PoolModel From(PoolSpec spec, DeviceCatalog? catalog = null, SloSpec? slo = null, ProfileStore? profiles = null) => new()
    {
        Llm = spec.Llm is { } llm ? LlmPoolModel.Create(spec, llm, catalog, slo, profiles) : null,
        Name = spec.Name!,
        Device = spec.Device,
        Region = spec.Region,
        Servers = spec.Count!.Value,
        MaxBatch = spec.Batching?.MaxBatch ?? 1,
        MaxWaitSeconds = (spec.Batching?.MaxWaitMs ?? 0) / 1000.0,
        MaxQueueLength = spec.MaxQueueLength ?? int.MaxValue,
        TimeoutSeconds = spec.TimeoutMs is { } t ? t / 1000.0 : double.PositiveInfinity,
        Weight = spec.Weight,
        IsEdge = spec.Edge == true,
        Service = spec.Service ?? new ServiceSpec { Distribution = ScenarioNames.Deterministic, MeanMs = 1 },
    };
}

/// <summary>A generative pool's step model, cache capacity and batching limits.</summary>
public sealed record LlmPoolModel(ILlmStepTimes Step, long KvCapacityTokens, int MaxBatchedTokens, int MaxSequences, double SloTtftSeconds, double SloTpotSeconds)
{
    internal static LlmPoolModel Create(PoolSpec pool, LlmSpec llm, DeviceCatalog? catalog, SloSpec? slo, ProfileStore? profiles = null)
    {
        var path = $"$.pools[{pool.Name}].llm";
        if (catalog is null)
        {
            throw new ScenarioException(path, "a generative pool needs the catalog (its device's memory, bandwidth and peak)");
        }

        if (!catalog.TryGetDevice(pool.Device ?? string.Empty, out var device))
        {
            throw new ScenarioException($"$.pools[{pool.Name}].device", $"'{pool.Device}' is not a catalog device");
        }

        LlmModelPresets.TryGet(llm.Model!, out var preset);
        if (device.Id == LocalMachine.DeviceId)
        {
            return Local(pool, llm, device, preset, slo, profiles);
        }

        var precision = llm.Precision ?? "fp16";
        var efficiency = ProjectionEfficiency.Load(catalog);
        var (peak, matmul, note) = efficiency.Peak(device, precision);
        if (peak is null)
        {
            throw new ScenarioException($"{path}.precision", note);
        }

        var bandwidth = device.MemoryBandwidthGBps.Effective ?? throw new ScenarioException($"$.pools[{pool.Name}].device", $"{device.Id}: memory bandwidth unknown");
        var memory = device.MemoryGb.Effective ?? throw new ScenarioException($"$.pools[{pool.Name}].device", $"{device.Id}: memory size unknown");
        var bytesPerParameter = precision is "fp8" or "int8" ? 1.0 : 2.0;
        var kvBytes = (llm.KvPrecision ?? precision) is "fp8" or "int8" ? 1.0 : 2.0;
        var tensorParallel = llm.TensorParallel ?? 1;
        var step = new LlmStepModel(preset, bytesPerParameter, kvBytes, peak.Value, matmul, bandwidth, efficiency.MemoryEfficiency, efficiency.LaunchMicroseconds, tensorParallel);
        var capacity = LlmStepModel.KvCapacityTokens(preset, memory, tensorParallel, llm.MemoryUtilization ?? 0.9, bytesPerParameter, kvBytes);
        if (capacity <= 0)
        {
            throw new ScenarioException($"{path}.tensorParallel",
                $"{preset.Id} at {precision} ({preset.Parameters * bytesPerParameter / 1e9:N0} GB of weights) does not fit in {tensorParallel} × {memory} GB of {device.Id}: raise tensorParallel or lower the precision");
        }

        return new LlmPoolModel(step, capacity, llm.MaxBatchedTokens ?? 8192, llm.MaxSequences ?? 256,
            (slo?.TtftMs / 1000.0) ?? double.PositiveInfinity, (slo?.TpotMs / 1000.0) ?? double.PositiveInfinity);
    }

    /// <summary>On this machine: the llm-block's measured step costs, scaled to the preset; fp32 weights and cache.</summary>
    private static LlmPoolModel Local(PoolSpec pool, LlmSpec llm, Device device, LlmModelPreset preset, SloSpec? slo, ProfileStore? profiles)
    {
        var measured = profiles?.All.FirstOrDefault(p => p.LlmSteps is not null && p.Device == LocalMachine.DeviceId)?.LlmSteps
            ?? throw new ScenarioException($"$.pools[{pool.Name}].device", "local-cpu serves a generative pool from the llm-block's measured steps: run 'calibrate --model llm-block' first");
        if ((llm.Precision ?? "fp32") != "fp32")
        {
            throw new ScenarioException($"$.pools[{pool.Name}].llm.precision", "local-cpu is measured at fp32");
        }

        var capacity = LlmStepModel.KvCapacityTokens(preset, device.MemoryGb.Effective ?? 0, 1, llm.MemoryUtilization ?? 0.9, 4, 4);
        if (capacity <= 0)
        {
            throw new ScenarioException($"$.pools[{pool.Name}].llm.model", $"{preset.Id} at fp32 ({preset.Parameters * 4 / 1e9:N0} GB) does not fit in this machine's {device.MemoryGb.Effective} GB");
        }

        return new LlmPoolModel(new MeasuredLlmStepModel(measured, preset), capacity, llm.MaxBatchedTokens ?? 8192, llm.MaxSequences ?? 256,
            (slo?.TtftMs / 1000.0) ?? double.PositiveInfinity, (slo?.TpotMs / 1000.0) ?? double.PositiveInfinity);
    }
}

/// <summary>A query class: its share of traffic and its latency target (seconds; +∞ when none).</summary>
public sealed record ClassModel(string Name, double Weight, double SloLatencySeconds, double SloPercentile);
