using InferencePlanner.Core;
using InferencePlanner.Core.Catalog;
using InferencePlanner.Core.Llm;
using InferencePlanner.Core.Profiles;
using InferencePlanner.Core.Scenarios;
using InferencePlanner.Simulation.Fleet;
using InferencePlanner.Simulation.Kernel;
using InferencePlanner.Simulation.Workload;

namespace InferencePlanner.Simulation.Engine;

/// <summary>
/// A validated scenario turned into what the engine runs: defaults applied, times in seconds, the trace loaded
/// once and shared read-only by every replication, each pool's capacity worked out once and each generative
/// pool projected onto its device once. Variants (another seed or horizon, another server count) are copies
/// of it, never a second compile.
/// </summary>
public sealed class SimulationModel
{
    /// <summary>Queries waiting in all pools together beyond which a run is stopped as unstable.</summary>
    public const long DefaultMaxWaitingQueries = 50_000_000;

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
        SloTtftMs = other.SloTtftMs;
        SloTpotMs = other.SloTpotMs;
        Trace = other.Trace;
        TimeSeriesIntervalSeconds = other.TimeSeriesIntervalSeconds;
        MaxEvents = other.MaxEvents;
        MaxWaitingQueries = other.MaxWaitingQueries;
        CheckBeforeRun = other.CheckBeforeRun;
        ReplayedServiceSeconds = other.ReplayedServiceSeconds;
    }

    public Scenario Scenario { get; private init; }
    public long Seed { get; private init; }
    public bool HorizonInQueries { get; private init; }
    public long WarmupQueries { get; private init; }
    public long MeasuredQueries { get; private init; }
    public double WarmupSeconds { get; private init; }
    public double MeasuredSeconds { get; private init; }
    public IReadOnlyList<PoolModel> Pools { get; private init; } = [];
    public IReadOnlyList<ClassModel> Classes { get; private init; } = [];
    public RoutingPolicy RoutingPolicy { get; private init; }
    public int OffloadPool { get; private init; } = -1;
    public double OffloadShare { get; private init; }
    public double OffloadRttSeconds { get; private init; }
    public double SloLatencySeconds { get; private init; } = double.PositiveInfinity;
    public double SloPercentile { get; private init; } = 99;
    public double? SloMaxRejectionPercent { get; private init; }

    /// <summary>Generative pools' time-to-first-token target, ms (+∞ when none).</summary>
    public double SloTtftMs { get; private init; } = double.PositiveInfinity;

    /// <summary>Generative pools' time-per-output-token target, ms (+∞ when none).</summary>
    public double SloTpotMs { get; private init; } = double.PositiveInfinity;

    public ArrivalTrace? Trace { get; private init; }
    public double? TimeSeriesIntervalSeconds { get; private init; }
    public long MaxEvents { get; private init; }

    /// <summary>Queries waiting in all pools together beyond which the run stops as unstable.</summary>
    public long MaxWaitingQueries { get; private init; } = DefaultMaxWaitingQueries;

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

        var pools = scenario.Pools!.Select((p, i) => PoolModel.From(p, i, catalog, profiles, baseDirectory)).ToList();
        var classes = scenario.Workload.Classes is { Count: > 0 } specified
            ? specified.Select(c => ClassModel.From(c.Name!, c.Weight!.Value, c.Slo ?? scenario.Slo)).ToList()
            : [ClassModel.From("default", 1, scenario.Slo)];

        var horizon = scenario.Horizon!;
        var offload = scenario.Routing?.Offload;
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
            RoutingPolicy = RoutingPolicies.Parse(scenario.Routing?.Policy),
            OffloadPool = offload is null ? -1 : pools.FindIndex(p => p.Name == offload.Pool),
            OffloadShare = offload?.Share ?? 0,
            OffloadRttSeconds = (offload?.NetworkRttMs ?? 0) / 1000.0,
            Trace = trace,
            TimeSeriesIntervalSeconds = scenario.TimeSeriesIntervalSeconds,
            MaxEvents = scenario.MaxEvents ?? ScenarioLimits.DefaultMaxEvents,
        }.WithSlo(scenario.Slo);
    }

    /// <summary>
    /// One pool of this model alone, offered Poisson arrivals at <paramref name="ratePerSecond"/> over a horizon of
    /// <paramref name="queries"/> measured queries (a tenth more of warm-up), against <paramref name="slo"/>: the
    /// model a sizing search varies (<see cref="WithServers"/>). Nothing is compiled or validated again.
    /// </summary>
    public SimulationModel AlonePoisson(PoolModel pool, double ratePerSecond, long queries, SloSpec slo)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(slo);
        if (!(ratePerSecond > 0) || double.IsInfinity(ratePerSecond))
        {
            throw new ArgumentOutOfRangeException(nameof(ratePerSecond), ratePerSecond, "must be a positive rate");
        }

        var scenario = Scenario with
        {
            Horizon = new Horizon { Queries = queries, WarmupQueries = queries / 10 },
            Workload = new Core.Scenarios.Workload { Arrivals = new ArrivalSpec { Kind = ScenarioNames.Poisson, RatePerSecond = ratePerSecond }, Tokens = Scenario.Workload?.Tokens },
            Routing = null,
            Slo = slo,
            TimeSeriesIntervalSeconds = null,
        };
        return new SimulationModel(this)
        {
            Scenario = scenario,
            HorizonInQueries = true,
            WarmupQueries = queries / 10,
            MeasuredQueries = queries,
            WarmupSeconds = 0,
            MeasuredSeconds = 0,
            Pools = [pool with { IsEdge = false, Weight = null, Spec = pool.Spec with { Edge = null, Weight = null } }],
            Classes = [ClassModel.From("default", 1, slo)],
            RoutingPolicy = RoutingPolicy.Weighted,
            OffloadPool = -1,
            OffloadShare = 0,
            OffloadRttSeconds = 0,
            Trace = Trace, // not replayed (the arrivals are Poisson): its rows lend their tokens to a generative pool's requests
            TimeSeriesIntervalSeconds = null,
            MaxEvents = ScenarioLimits.DefaultMaxEvents,
            MaxWaitingQueries = DefaultMaxWaitingQueries,
            ReplayedServiceSeconds = null,
        }.WithSlo(slo);
    }

    /// <summary>A copy measured against <paramref name="slo"/> (none: no targets).</summary>
    private SimulationModel WithSlo(SloSpec? slo) => new(this)
    {
        SloLatencySeconds = (slo?.LatencyMs / 1000.0) ?? double.PositiveInfinity,
        SloPercentile = slo?.Percentile ?? 99,
        SloMaxRejectionPercent = slo?.MaxRejectionPercent,
        SloTtftMs = slo?.TtftMs ?? double.PositiveInfinity,
        SloTpotMs = slo?.TpotMs ?? double.PositiveInfinity,
    };

    /// <summary>A copy whose pool <paramref name="pool"/> has <paramref name="servers"/> servers (replicas).</summary>
    /// <summary>A copy whose generative pools step by <paramref name="map"/> of their step model (the engine's overheads varied, say).</summary>
    public SimulationModel WithLlmSteps(Func<ILlmStepTimes, ILlmStepTimes> map)
    {
        ArgumentNullException.ThrowIfNull(map);
        return new(this) { Pools = [.. Pools.Select(p => p.Llm is { } llm ? p with { Llm = llm with { Step = map(llm.Step) } } : p)] };
    }

    public SimulationModel WithServers(int pool, int servers)
    {
        if (servers < 1 || servers > ScenarioLimits.MaxServersPerPool)
        {
            throw new ArgumentOutOfRangeException(nameof(servers), servers, $"must be from 1 to {ScenarioLimits.MaxServersPerPool:N0}");
        }

        var pools = Pools.ToArray();
        pools[pool] = pools[pool] with { Servers = servers, Spec = pools[pool].Spec with { Count = servers } };
        return new SimulationModel(this) { Pools = pools };
    }

    /// <summary>
    /// A copy with another seed and/or measured horizon (the command line's --seed and --queries), and/or a
    /// tighter bound on events (a server's limit: the lower of it and the scenario's own applies).
    /// </summary>
    public SimulationModel With(long? seed = null, long? queries = null, long? maxEvents = null)
    {
        if (maxEvents is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(maxEvents), maxEvents, "must be at least 1");
        }

        if (queries is { } q && (q < 1 || q > ScenarioLimits.MaxQueries))
        {
            throw new ArgumentOutOfRangeException(nameof(queries), queries, $"must be from 1 to {ScenarioLimits.MaxQueries:E0}");
        }

        if (seed is < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(seed), seed, "must be zero or positive");
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

    /// <summary>Test hook: a copy whose first pool replays <paramref name="serviceSeconds"/> in order (exact checks).</summary>
    internal SimulationModel WithReplayedService(double[] serviceSeconds) => new(this) { ReplayedServiceSeconds = serviceSeconds };

    /// <summary>Test hook: a copy that runs even where the check before the run would refuse it (exercises the run's own guards).</summary>
    internal SimulationModel WithoutCheckBeforeRun() => new(this) { CheckBeforeRun = false };

    /// <summary>Whether <see cref="StabilityCheck"/> may refuse the run before it starts.</summary>
    internal bool CheckBeforeRun { get; private init; } = true;

    /// <summary>Test hook: a copy that stops as unstable beyond <paramref name="waiting"/> waiting queries.</summary>
    internal SimulationModel WithMaxWaitingQueries(long waiting) => new(this) { MaxWaitingQueries = waiting };

    /// <summary>The arrival process of one replication, on its own random sequence.</summary>
    public ArrivalProcess CreateArrivals(int replication)
    {
        var spec = Scenario.Workload!.Arrivals!;
        var random = RandomSequence.For(Seed, replication, RandomSequence.Purpose.Arrivals);
        return spec.Kind switch
        {
            ScenarioNames.Poisson => new PoissonArrivals(spec.RatePerSecond!.Value, random),
            ScenarioNames.Constant => new ConstantArrivals(spec.RatePerSecond!.Value),
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
        ArgumentNullException.ThrowIfNull(path);
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
        candidates.AddRange(DataFolders.Candidates("traces").Select(folder => Path.Combine(folder, path)));
        return candidates.FirstOrDefault(File.Exists) ?? candidates[0];
    }
}

/// <summary>One pool as the engine sees it (times in seconds).</summary>
public sealed record PoolModel
{
    public required string Name { get; init; }

    /// <summary>The scenario's pool this was compiled from (its count kept equal to <see cref="Servers"/>).</summary>
    public required PoolSpec Spec { get; init; }

    /// <summary>The pool's place in the scenario (its JSON path is <c>$.pools[Index]</c>).</summary>
    public int Index { get; init; }

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

    /// <summary>A generative pool whose scenario lists no tensor-parallel degree: it runs at the smallest that fits, and sizing tries each.</summary>
    public bool ParallelismOpen { get; init; }

    /// <summary>
    /// Queries per second one server can serve at most (full batches back to back); +∞ for a generative pool. Worked
    /// out once from the service, so a pool with another service is made by <see cref="From"/>, never by <c>with</c>.
    /// </summary>
    public required double CapacityPerServerPerSecond { get; init; }

    /// <summary>Queries per second the pool can serve at most: full batches back to back on every server.</summary>
    public double CapacityPerSecond => Servers * CapacityPerServerPerSecond;

    /// <summary>
    /// The pool's share of routed traffic, relative to the others': its weight, else its capacity (DESIGN's rule,
    /// the same in the simulator, the stability check and the forecaster). A generative pool has no fixed capacity:
    /// the validator asks for its weight wherever one is needed.
    /// </summary>
    public double RoutingWeight => Weight ?? CapacityPerSecond;

    /// <summary>Whether queries can be lost (a bounded queue or a timeout), which keeps the pool stable under any load.</summary>
    public bool ShedsLoad => MaxQueueLength != int.MaxValue || !double.IsPositiveInfinity(TimeoutSeconds);

    /// <summary>The pool of a validated scenario, at index <paramref name="index"/>; a stored profile becomes its points.</summary>
    /// <param name="baseDirectory">Where a generative pool's relative config.json path is looked for first.</param>
    public static PoolModel From(PoolSpec spec, int index, DeviceCatalog? catalog = null, ProfileStore? profiles = null, string? baseDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var service = spec.Service ?? new ServiceSpec { Distribution = ScenarioNames.Deterministic, MeanMs = 1 };
        if (service.Profile is { } profile && profiles is not null)
        {
            service = service with { Profile = profiles.Resolve(profile) };
        }

        var maxBatch = spec.Batching?.MaxBatch ?? 1;
        var llm = spec.Llm is { } generative ? LlmPoolModel.Create(spec, index, generative, catalog, profiles, baseDirectory) : null;
        return new PoolModel
        {
            Llm = llm,
            Name = spec.Name!,
            // An open tensor-parallel degree is written into the pool as resolved: what is priced and counted is what runs.
            Spec = llm is not null && spec.Llm!.TensorParallel is null ? spec with { Llm = spec.Llm with { TensorParallel = llm.TensorParallel } } : spec,
            ParallelismOpen = spec.Llm is { TensorParallel: null },
            Index = index,
            Device = spec.Device,
            Region = spec.Region,
            Servers = spec.Count!.Value,
            MaxBatch = maxBatch,
            MaxWaitSeconds = (spec.Batching?.MaxWaitMs ?? 0) / 1000.0,
            MaxQueueLength = spec.MaxQueueLength ?? int.MaxValue,
            TimeoutSeconds = spec.TimeoutMs is { } t ? t / 1000.0 : double.PositiveInfinity,
            Weight = spec.Weight,
            IsEdge = spec.Edge == true,
            Service = service,
            CapacityPerServerPerSecond = llm is not null ? double.PositiveInfinity : ServiceTimeModel.Create(service, maxBatch).CapacityPerSecond(maxBatch),
        };
    }
}

/// <summary>A generative pool's step model, cache capacity (tokens per replica) and batching limits.</summary>
public sealed record LlmPoolModel(ILlmStepTimes Step, long KvCapacityTokens, int MaxBatchedTokens, int MaxSequences, bool PrefixCaching = true)
{
    /// <summary>
    /// The engine plans each iteration while the one before it runs (vLLM's async scheduling, its default since
    /// vllm-project/vllm#27614): a request that arrives while a batch runs joins the iteration after the next, unless
    /// the replica has nothing else to run.
    /// </summary>
    public bool AsyncScheduling { get; init; } = true;

    internal static LlmPoolModel Create(PoolSpec pool, int index, LlmSpec llm, DeviceCatalog? catalog, ProfileStore? profiles, string? baseDirectory = null)
    {
        var path = $"$.pools[{index}]";
        if (catalog is null)
        {
            throw new ScenarioException($"{path}.llm", "a generative pool needs the catalog (its device's memory, bandwidth and peak)");
        }

        var preset = LlmModels.Resolve(llm.Model, $"{path}.llm.model", baseDirectory);
        // A listed degree is used as given; an open one is the smallest of 1, 2, 4, 8 the model fits (sizing tries them all).
        LlmProjectionException? first = null;
        foreach (var tp in llm.TensorParallel is { } listed ? [listed] : OpenDegrees)
        {
            try
            {
                var replica = LlmProjector.Project(catalog, preset,
                    new LlmDeployment(pool.Device ?? string.Empty, llm.Precision, llm.KvPrecision, tp, llm.MemoryUtilization ?? 0.9), profiles);
                return new LlmPoolModel(replica.Step, replica.KvCapacityTokens, llm.MaxBatchedTokens ?? 8192, llm.MaxSequences ?? 256, llm.PrefixCaching ?? true)
                {
                    TensorParallel = tp,
                    AsyncScheduling = llm.AsyncScheduling ?? true,
                };
            }
            catch (LlmProjectionException ex)
            {
                first ??= ex;
            }
        }

        throw new ScenarioException(first!.Setting switch
        {
            LlmSetting.Device => $"{path}.device",
            LlmSetting.Precision => $"{path}.llm.precision",
            LlmSetting.TensorParallel => $"{path}.llm.tensorParallel",
            _ => $"{path}.llm.model",
        }, llm.TensorParallel is null && first.Setting == LlmSetting.TensorParallel ? $"{first.Message} (and at no tensor-parallel degree up to {OpenDegrees[^1]})" : first.Message);
    }

    /// <summary>The tensor-parallel degrees an open <c>llm.tensorParallel</c> may take, smallest first.</summary>
    public static readonly int[] OpenDegrees = [1, 2, 4, 8];

    /// <summary>Devices per replica: the listed tensor-parallel degree, or the smallest the model fits when none is listed.</summary>
    public int TensorParallel { get; init; } = 1;
}

/// <summary>A query class: its share of traffic and its latency target (seconds; +∞ when none).</summary>
public sealed record ClassModel(string Name, double Weight, double SloLatencySeconds, double SloPercentile)
{
    internal static ClassModel From(string name, double weight, SloSpec? slo) =>
        new(name, weight, (slo?.LatencyMs / 1000.0) ?? double.PositiveInfinity, slo?.Percentile ?? 99);
}
