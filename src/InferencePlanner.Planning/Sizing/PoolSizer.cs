using System.Globalization;
using InferencePlanner.Core.Analytics;
using InferencePlanner.Core.Catalog;
using InferencePlanner.Core.Scenarios;
using InferencePlanner.Simulation.Engine;
using InferencePlanner.Simulation.Results;

namespace InferencePlanner.Planning.Sizing;

/// <summary>A latency percentile target (+∞ for none), a rejection ceiling, and for generative pools TTFT and TPOT targets.</summary>
public sealed record SloTarget(double LatencyMs, double Percentile = 99, double? MaxRejectionPercent = null, double? TtftMs = null, double? TpotMs = null)
{
    /// <summary>The scenario's SLO as a sizing target (none set: +∞ latency).</summary>
    public static SloTarget From(SloSpec slo)
    {
        ArgumentNullException.ThrowIfNull(slo);
        return new(slo.LatencyMs ?? double.PositiveInfinity, slo.Percentile ?? 99, slo.MaxRejectionPercent, slo.TtftMs, slo.TpotMs);
    }

    /// <summary>The target in words, e.g. "p99 latency ≤ 300 ms", "p99 TTFT ≤ 500 ms and p99 TPOT ≤ 50 ms".</summary>
    public string Describe(double? latencyBudgetMs = null)
    {
        var p = Percentile.ToString("0.###", CultureInfo.InvariantCulture);
        var latency = latencyBudgetMs ?? LatencyMs;
        var parts = new List<string>();
        if (double.IsFinite(latency))
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"p{p} latency ≤ {latency:G4} ms"));
        }

        if (TtftMs is { } ttft)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"p{p} TTFT ≤ {ttft:G4} ms"));
        }

        if (TpotMs is { } tpot)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"p{p} TPOT ≤ {tpot:G4} ms"));
        }

        if (MaxRejectionPercent is { } rejected)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"rejections ≤ {rejected:G4} %"));
        }

        return parts.Count == 0 ? "no target" : string.Join(" and ", parts);
    }

    /// <summary>What a run achieved at the target's percentile, in words ("p99 latency 812 ms, p99 TTFT 923 ms").</summary>
    internal string Achieved(SimulationResult run)
    {
        if (!run.Stable)
        {
            return $"the run was not stable ({run.Reason})";
        }

        // The summaries hold p50, p90, p95, p99 and p99.9; another percentile is said at p99.
        var at = run.LatencyMs.AtPercentile(Percentile) is null ? 99 : Percentile;
        var p = at.ToString("0.###", CultureInfo.InvariantCulture);
        var parts = new List<string> { string.Create(CultureInfo.InvariantCulture, $"p{p} latency {run.LatencyMs.AtPercentile(at):G4} ms") };
        if (run.TtftMs is { } ttft)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"p{p} TTFT {ttft.AtPercentile(at):G4} ms"));
        }

        if (run.TpotMs is { } tpot)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"p{p} TPOT {tpot.AtPercentile(at):G4} ms"));
        }

        if (run.RejectionProbability > 0)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"{run.RejectionProbability:P2} rejected"));
        }

        return string.Join(", ", parts);
    }

    /// <summary>The target as a scenario's SLO, with <paramref name="latencyBudgetMs"/> in place of the latency target.</summary>
    public SloSpec ToSpec(double latencyBudgetMs) => new()
    {
        LatencyMs = double.IsPositiveInfinity(latencyBudgetMs) ? null : latencyBudgetMs,
        Percentile = Percentile,
        MaxRejectionPercent = MaxRejectionPercent,
        TtftMs = TtftMs,
        TpotMs = TpotMs,
    };
}

/// <summary>The smallest count that meets the SLO, how it was found, and the run that confirms it.</summary>
public sealed record SizingResult(int Count, string Method, SimulationResult Check, int Simulations)
{
    /// <summary>Whether a closed form gave the count exactly (simulation only confirms it).</summary>
    public bool Exact => Method.StartsWith("closed form", StringComparison.Ordinal);
}

/// <summary>The SLO cannot be met by any number of servers (the service alone is slower than the target, …).</summary>
public sealed class UnreachableSloException : Exception
{
    public UnreachableSloException()
    {
    }

    public UnreachableSloException(string message)
        : base(message)
    {
    }

    public UnreachableSloException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// Sizes one pool for a Poisson rate: the fewest servers whose latency percentile meets the target and whose
/// rejections stay under the ceiling. A plain M/M/c pool is sized exactly by its closed form; any other is
/// bracketed below by its capacity (fewer servers cannot carry the rate) and found by simulation — galloping
/// up from the bracket, then bisecting — with the same random streams for every count, so that the answer
/// does not hop with sampling noise. The pool is compiled once; each count tried is a copy of that model.
/// </summary>
public sealed class PoolSizer
{
    private readonly long _seed;
    private readonly long _queries;
    private readonly DeviceCatalog? _catalog;
    private readonly TokensSpec? _tokens;
    private readonly int _maxServers;
    private readonly CancellationToken _cancellation;

    /// <summary>The trickle at which a query meets no other: one every 1,000 s.</summary>
    private const double FloorRatePerSecond = 1e-3;

    /// <param name="seed">Seed of every sizing run.</param>
    /// <param name="queries">Measured queries per sizing run.</param>
    /// <param name="catalog">Needed to compile generative pools given as specs (their device's memory, bandwidth and peak).</param>
    /// <param name="tokens">The token mix of generative queries given as specs.</param>
    /// <param name="maxServers">The most servers a pool may be sized to (default: a pool's limit, 100,000).</param>
    /// <param name="cancellation">Stops a sizing run where it is (an <see cref="OperationCanceledException"/>).</param>
    public PoolSizer(long seed = 1, long queries = 100_000, DeviceCatalog? catalog = null, TokensSpec? tokens = null, int maxServers = ScenarioLimits.MaxServersPerPool, CancellationToken cancellation = default)
    {
        _cancellation = cancellation;
        _seed = seed;
        _queries = queries;
        _catalog = catalog;
        _tokens = tokens;
        _maxServers = maxServers is >= 1 and <= ScenarioLimits.MaxServersPerPool ? maxServers
            : throw new ArgumentOutOfRangeException(nameof(maxServers), maxServers, $"must be from 1 to {ScenarioLimits.MaxServersPerPool:N0}");
    }

    /// <summary>Sizes a pool given as a scenario's spec: it is validated and compiled once, alone.</summary>
    public SizingResult Size(PoolSpec pool, double ratePerSecond, SloTarget slo, double networkRttMs = 0)
    {
        var basis = Compile(pool);
        return Size(basis, basis.Pools[0], ratePerSecond, slo, networkRttMs);
    }

    /// <summary>
    /// Sizes <paramref name="pool"/>, a pool of the compiled <paramref name="basis"/> (whose token mix it keeps),
    /// offered Poisson arrivals at <paramref name="ratePerSecond"/>; a network round trip eats into the latency budget.
    /// </summary>
    public SizingResult Size(SimulationModel basis, PoolModel pool, double ratePerSecond, SloTarget slo, double networkRttMs = 0)
    {
        ArgumentNullException.ThrowIfNull(basis);
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(slo);
        if (!(ratePerSecond > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(ratePerSecond), "must be positive");
        }

        var budgetMs = slo.LatencyMs - networkRttMs;
        if (!(budgetMs > 0))
        {
            throw new UnreachableSloException($"pool '{pool.Name}': the network round trip of {networkRttMs:G4} ms leaves nothing of the {slo.LatencyMs:G4} ms target");
        }

        var target = slo.ToSpec(budgetMs);
        var alone = basis.AlonePoisson(pool, ratePerSecond, _queries, target).With(seed: _seed);
        var simulations = 0;
        var cache = new Dictionary<int, SimulationResult>();
        SimulationResult Evaluate(int count)
        {
            if (!cache.TryGetValue(count, out var result))
            {
                simulations++;
                result = SimulationRunner.Run(alone.WithServers(0, count), new SimulationOptions { MaxDegreeOfParallelism = 1 }, _cancellation);
                cache[count] = result;
            }

            return result;
        }

        bool Meets(int count) => Evaluate(count) is { Stable: true, SloMet: true };
        var what = $"pool '{pool.Name}' cannot meet {slo.Describe(budgetMs)} at {ratePerSecond:G4} queries/s";

        if (IsMmc(pool))
        {
            var count = MmcMinimum(pool.Spec, ratePerSecond, slo, budgetMs);
            return new SizingResult(count, "closed form (M/M/c sojourn percentile), confirmed by simulation", Evaluate(count), simulations);
        }

        var perServer = pool.CapacityPerServerPerSecond;
        var needed = pool.ShedsLoad || double.IsPositiveInfinity(perServer) ? 1 : Math.Floor(ratePerSecond / perServer) + 1;
        if (needed > _maxServers)
        {
            throw new UnreachableSloException($"{what}: carrying the rate alone needs {needed:N0} servers of {perServer:G4} queries/s, over the limit of {_maxServers:N0}");
        }

        var lo = (int)needed;
        if (Meets(lo))
        {
            return new SizingResult(lo, "capacity bound, confirmed by simulation", Evaluate(lo), simulations);
        }

        // No number of servers makes a query faster than it is alone: when even a lone query misses the target, stop.
        simulations++;
        var floor = SimulationRunner.Run(basis.AlonePoisson(pool, FloorRatePerSecond, Math.Max(2_000, _queries / 10), target).With(seed: _seed),
            new SimulationOptions { MaxDegreeOfParallelism = 1 }, _cancellation);
        if (floor.SloMet != true)
        {
            throw new UnreachableSloException($"{what} with any number of servers: even a query alone takes {slo.Achieved(floor)}");
        }

        // Gallop up from the bound, then bisect (lo fails, hi meets); the only ceiling is the limit.
        var step = 1;
        var hi = lo + step;
        while (!Meets(hi))
        {
            if (hi == _maxServers)
            {
                throw new UnreachableSloException($"{what} with up to {_maxServers:N0} servers (the limit): there, {slo.Achieved(Evaluate(hi))}");
            }

            lo = hi;
            step *= 2;
            hi = (int)Math.Min((long)lo + step, _maxServers);
        }

        while (hi - lo > 1)
        {
            var mid = lo + ((hi - lo) / 2);
            if (Meets(mid))
            {
                hi = mid;
            }
            else
            {
                lo = mid;
            }
        }

        return new SizingResult(hi, "capacity bound, gallop and bisection by simulation", Evaluate(hi), simulations);
    }

    /// <summary>
    /// <paramref name="pool"/> at a count that is not sized (an edge pool's population of user devices): the run that
    /// says whether it meets the SLO at <paramref name="ratePerSecond"/>.
    /// </summary>
    public SizingResult Check(SimulationModel basis, PoolModel pool, double ratePerSecond, SloTarget slo, int count, double networkRttMs = 0)
    {
        ArgumentNullException.ThrowIfNull(basis);
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(slo);
        var model = basis.AlonePoisson(pool, ratePerSecond, _queries, slo.ToSpec(slo.LatencyMs - networkRttMs)).With(seed: _seed).WithServers(0, count);
        return new SizingResult(count, "listed population of user devices, grown with the traffic; not sized", SimulationRunner.Run(model, new SimulationOptions { MaxDegreeOfParallelism = 1 }, _cancellation), 1);
    }

    /// <summary>The smallest count alone, without the confirming run where a closed form gives it (the mix search's test).</summary>
    public int RequiredCount(SimulationModel basis, PoolModel pool, double ratePerSecond, SloTarget slo)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(slo);
        return IsMmc(pool) ? MmcMinimum(pool.Spec, ratePerSecond, slo, slo.LatencyMs) : Size(basis, pool, ratePerSecond, slo).Count;
    }

    /// <summary>Whether the pool is an M/M/c queue: exponential service, no batching, no bound, no timeout.</summary>
    public static bool IsMmc(PoolSpec pool) => pool is not null && PoolClosedForm.Fit(pool) == ClosedFormKind.Mmc;

    /// <inheritdoc cref="IsMmc(PoolSpec)"/>
    public static bool IsMmc(PoolModel pool) => pool is not null && IsMmc(pool.Spec);

    /// <summary>The fewest servers whose M/M/c sojourn percentile meets the budget.</summary>
    public static int MmcMinimum(PoolSpec pool, double ratePerSecond, SloTarget slo, double budgetMs)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(slo);
        var name = pool.Name;
        var mu = 1000 / pool.Service!.MeanMs!.Value;
        var count = (int)Math.Floor(ratePerSecond / mu) + 1;
        var p = slo.Percentile / 100;
        // With more servers the sojourn tends to the service time itself: beyond that no count helps.
        if (-Math.Log(1 - p) / mu * 1000 > budgetMs)
        {
            throw new UnreachableSloException($"pool '{name}': the service alone has p{slo.Percentile} = {-Math.Log(1 - p) / mu * 1000:G4} ms, over the {budgetMs:G4} ms budget");
        }

        while (new MmcQueue(ratePerSecond, mu, count).SojournQuantile(p) * 1000 > budgetMs)
        {
            if (++count > ScenarioLimits.MaxServersPerPool)
            {
                throw new UnreachableSloException($"pool '{name}': p{slo.Percentile} ≤ {budgetMs:G4} ms at {ratePerSecond:G4} queries/s needs more than {ScenarioLimits.MaxServersPerPool:N0} servers (a pool's limit)");
            }
        }

        return count;
    }

    /// <summary>A pool given as a spec, validated and compiled alone (one server, Poisson arrivals; sizing varies both).</summary>
    private SimulationModel Compile(PoolSpec pool)
    {
        ArgumentNullException.ThrowIfNull(pool);
        return SimulationModel.Compile(new Scenario
        {
            Seed = _seed,
            Horizon = new Horizon { Queries = _queries, WarmupQueries = _queries / 10 },
            Workload = new Workload { Arrivals = new ArrivalSpec { Kind = ScenarioNames.Poisson, RatePerSecond = 1 }, Tokens = pool.Llm is null ? null : _tokens },
            Pools = [pool with { Count = 1, Edge = null, Weight = null }],
        }, _catalog);
    }
}
