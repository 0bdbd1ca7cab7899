using InferencePlanner.Core.Analytics;
using InferencePlanner.Core.Scenarios;
using InferencePlanner.Simulation.Engine;
using InferencePlanner.Simulation.Results;

namespace InferencePlanner.Planning.Sizing;

/// <summary>A latency percentile target and a rejection ceiling.</summary>
/// <summary>A latency percentile target (+∞ for none), a rejection ceiling, and for generative pools TTFT and TPOT targets.</summary>
public sealed record SloTarget(double LatencyMs, double Percentile = 99, double? MaxRejectionPercent = null, double? TtftMs = null, double? TpotMs = null);

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
/// does not hop with sampling noise.
/// </summary>
public sealed class PoolSizer
{
    private readonly long _seed;
    private readonly long _queries;
    private readonly Core.Catalog.DeviceCatalog? _catalog;
    private readonly TokensSpec? _tokens;

    /// <param name="catalog">Needed for generative pools (their device's memory, bandwidth and peak).</param>
    /// <param name="tokens">The token mix of generative queries.</param>
    public PoolSizer(long seed = 1, long queries = 100_000, Core.Catalog.DeviceCatalog? catalog = null, TokensSpec? tokens = null)
    {
        _seed = seed;
        _queries = queries;
        _catalog = catalog;
        _tokens = tokens;
    }

    public SizingResult Size(PoolSpec pool, double ratePerSecond, SloTarget slo, double networkRttMs = 0)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(slo);
        if (!(ratePerSecond > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(ratePerSecond), "must be positive");
        }

        var budgetMs = slo.LatencyMs - networkRttMs;
        var simulations = 0;
        var cache = new Dictionary<int, SimulationResult>();
        SimulationResult Evaluate(int count)
        {
            if (!cache.TryGetValue(count, out var result))
            {
                simulations++;
                result = SimulationRunner.Run(SimulationModel.Compile(Scenario(pool with { Count = count }, ratePerSecond, slo with { LatencyMs = budgetMs }), _catalog),
                    new SimulationOptions { MaxDegreeOfParallelism = 1 });
                cache[count] = result;
            }

            return result;
        }

        bool Meets(int count) => Evaluate(count) is { Stable: true, SloMet: true };

        if (IsMmc(pool))
        {
            var count = MmcMinimum(pool, ratePerSecond, slo, budgetMs);
            return new SizingResult(count, "closed form (M/M/c sojourn percentile), confirmed by simulation", Evaluate(count), simulations);
        }

        return SearchBySimulation(pool, ratePerSecond, slo, Evaluate, Meets, () => simulations);
    }

    /// <summary>The smallest count alone, without the confirming run where a closed form gives it (the mix search's test).</summary>
    public int RequiredCount(PoolSpec pool, double ratePerSecond, SloTarget slo, double networkRttMs = 0)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(slo);
        return IsMmc(pool) ? MmcMinimum(pool, ratePerSecond, slo, slo.LatencyMs - networkRttMs) : Size(pool, ratePerSecond, slo, networkRttMs).Count;
    }

    private SizingResult SearchBySimulation(PoolSpec pool, double ratePerSecond, SloTarget slo, Func<int, SimulationResult> Evaluate, Func<int, bool> Meets, Func<int> simulationsSoFar)
    {

        var model = OneServer(pool, _tokens, _catalog);
        var perServer = model.CapacityPerSecond;
        var lo = model.ShedsLoad || double.IsPositiveInfinity(perServer) ? 1 : (int)Math.Floor(ratePerSecond / perServer) + 1;
        if (Meets(lo))
        {
            return new SizingResult(lo, "capacity bound, confirmed by simulation", Evaluate(lo), simulationsSoFar());
        }

        // Gallop up from the bound, then bisect (lo fails, hi meets).
        var step = 1;
        var hi = lo + step;
        var ceiling = Math.Min(ScenarioLimits.MaxServersPerPool, (lo * 8) + 64);
        while (!Meets(hi))
        {
            lo = hi;
            step *= 2;
            hi = lo + step;
            if (hi > ceiling)
            {
                throw new UnreachableSloException(
                    $"pool '{pool.Name}': {ceiling} servers do not meet p{slo.Percentile} ≤ {slo.LatencyMs} ms at {ratePerSecond:G4} queries/s " +
                    $"(p{slo.Percentile} there: {Evaluate(Math.Min(hi, ceiling)).LatencyMs.P99:G4} ms); the service itself may be slower than the target");
            }
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

        return new SizingResult(hi, "capacity bound, gallop and bisection by simulation", Evaluate(hi), simulationsSoFar());
    }

    /// <summary>Whether the pool is an M/M/c queue: exponential service, no batching, no bound, no timeout.</summary>
    public static bool IsMmc(PoolSpec pool) =>
        pool?.Service is { Distribution: ScenarioNames.Exponential } && (pool.Batching?.MaxBatch ?? 1) == 1
        && pool.MaxQueueLength is null && pool.TimeoutMs is null;

    /// <summary>The fewest servers whose M/M/c sojourn percentile meets the budget.</summary>
    public static int MmcMinimum(PoolSpec pool, double ratePerSecond, SloTarget slo, double budgetMs)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(slo);
        var mu = 1000 / pool.Service!.MeanMs!.Value;
        var count = (int)Math.Floor(ratePerSecond / mu) + 1;
        var p = slo.Percentile / 100;
        // With more servers the sojourn tends to the service time itself: beyond that no count helps.
        if (-Math.Log(1 - p) / mu * 1000 > budgetMs)
        {
            throw new UnreachableSloException($"pool '{pool.Name}': the service alone has p{slo.Percentile} = {-Math.Log(1 - p) / mu * 1000:G4} ms, over the {budgetMs:G4} ms budget");
        }

        while (new MmcQueue(ratePerSecond, mu, count).SojournQuantile(p) * 1000 > budgetMs)
        {
            count++;
        }

        return count;
    }

    private Scenario Scenario(PoolSpec pool, double rate, SloTarget slo) => new()
    {
        Seed = _seed,
        Horizon = new Horizon { Queries = _queries, WarmupQueries = _queries / 10 },
        Workload = new Workload { Arrivals = new ArrivalSpec { Kind = ScenarioNames.Poisson, RatePerSecond = rate }, Tokens = pool.Llm is null ? null : _tokens },
        Pools = [pool with { Edge = null, Weight = null, AvailableFromMonth = null, Pricing = null, Owned = null }],
        Slo = new SloSpec
        {
            LatencyMs = double.IsPositiveInfinity(slo.LatencyMs) ? null : slo.LatencyMs,
            Percentile = slo.Percentile,
            MaxRejectionPercent = slo.MaxRejectionPercent,
            TtftMs = slo.TtftMs,
            TpotMs = slo.TpotMs,
        },
    };

    /// <summary>One server (or replica) of the pool as the engine sees it, a generative one at the given token mix.</summary>
    internal static PoolModel OneServer(PoolSpec pool, TokensSpec? tokens, Core.Catalog.DeviceCatalog? catalog) =>
        SimulationModel.Compile(new Scenario
        {
            Horizon = new Horizon { Queries = 1 },
            Workload = new Workload { Arrivals = new ArrivalSpec { Kind = ScenarioNames.Poisson, RatePerSecond = 1 }, Tokens = pool.Llm is null ? null : tokens },
            Pools = [pool with { Count = 1, Edge = null, Weight = null, AvailableFromMonth = null, Pricing = null, Owned = null }],
        }, catalog).Pools[0];
}
