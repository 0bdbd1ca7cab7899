using InferencePlanner.Core.Scenarios;
using InferencePlanner.Simulation.Engine;
using InferencePlanner.Simulation.Results;

namespace InferencePlanner.Simulation.Tests.Engine;

/// <summary>Conservation and Little's law, over a range of fleets.</summary>
public sealed class InvariantTests
{
    public static TheoryData<string> Fleets => new()
    {
        "M/M/4", "batched with wait", "bounded queue", "timeouts", "diurnal three pools", "jsq", "power-of-two", "edge offload", "bursts", "classes",
    };

    internal static Scenario Fleet(string name) => name switch
    {
        "M/M/4" => Scenarios.SinglePool(3.2, 4, queries: 100_000, warmup: 10_000),
        "batched with wait" => Scenarios.SinglePool(6, 2, Profile(200, 100, 0.1), maxBatch: 8, maxWaitMs: 300, queries: 100_000, warmup: 10_000),
        "bounded queue" => Scenarios.SinglePool(5, 4, maxQueueLength: 3, queries: 100_000, warmup: 10_000),
        "timeouts" => Scenarios.SinglePool(4.5, 4, timeoutMs: 800, queries: 100_000, warmup: 10_000),
        "diurnal three pools" => ThreePools(new ArrivalSpec { Kind = "diurnal", RatePerSecond = 10, DailyShape = Enumerable.Range(0, 24).Select(h => 0.3 + (0.7 * Math.Sin(Math.PI * h / 24))).ToList() }, ScenarioNames.Weighted),
        "jsq" => ThreePools(Poisson(7), ScenarioNames.JoinShortestQueue),
        "power-of-two" => ThreePools(Poisson(7), ScenarioNames.PowerOfTwo),
        "edge offload" => Offload(),
        "bursts" => Scenarios.SinglePool(1, 4) with
        {
            Workload = new Core.Scenarios.Workload { Arrivals = new ArrivalSpec { Kind = "bursts", RatePerSecond = 2, BurstRatePerSecond = 5, MeanNormalSeconds = 200, MeanBurstSeconds = 40 } },
            Horizon = new Horizon { Queries = 100_000, WarmupQueries = 10_000 },
        },
        _ => Scenarios.SinglePool(3, 4, queries: 100_000, warmup: 10_000) with
        {
            Workload = new Core.Scenarios.Workload
            {
                Arrivals = Poisson(3),
                Classes =
                [
                    new QueryClassSpec { Name = "chat", Weight = 3, Slo = new SloSpec { LatencyMs = 2000, Percentile = 95 } },
                    new QueryClassSpec { Name = "batch", Weight = 1, Slo = new SloSpec { LatencyMs = 10_000, Percentile = 99 } },
                ],
            },
        },
    };

    [Theory]
    [MemberData(nameof(Fleets))]
    public void Simulate_EveryQueryIsAccountedFor(string fleet)
    {
        foreach (var run in Scenarios.Replicate(Fleet(fleet), 3))
        {
            Assert.True(run.Stable, run.Reason);
            // Arrivals after warm-up = completed + rejected + abandoned (+ in flight: none after the drain).
            Assert.Equal(run.Arrivals, run.Completed + run.Rejected + run.Abandoned);
            foreach (var pool in run.Pools)
            {
                Assert.Equal(pool.Arrivals, pool.Completed + pool.Rejected + pool.Abandoned);
            }

            Assert.Equal(run.Arrivals, run.Pools.Sum(p => p.Arrivals));
            Assert.True(run.Arrivals > 0);
            if (run.Classes.Count > 0)
            {
                Assert.Equal(run.Arrivals, run.Classes.Sum(c => c.Arrivals));
                Assert.Equal(run.Completed, run.Classes.Sum(c => c.Completed));
            }
        }
    }

    [Theory]
    [MemberData(nameof(Fleets))]
    public void Simulate_LittlesLawHoldsInEveryPool(string fleet)
    {
        var runs = Scenarios.Replicate(Fleet(fleet), 8);
        for (var p = 0; p < runs[0].Pools.Count; p++)
        {
            var pool = p;
            if (runs[0].Pools[pool].Abandoned > 0 || runs.Any(r => r.Pools[pool].Abandoned > 0))
            {
                continue; // abandoning queries spend time in the queue but not in the served waits
            }

            // L_q = λ·W_q with λ the admitted rate; the difference must vanish within its spread.
            var differences = runs.Select(r =>
            {
                var x = r.Pools[pool];
                var admitted = (x.Arrivals - x.Rejected) / r.SimulatedSeconds;
                return x.MeanQueueLength - (admitted * x.WaitMs.Mean / 1000);
            }).ToList();
            Tolerance.AssertMatches(0, differences, $"{fleet}, pool {runs[0].Pools[pool].Name}: L_q − λW_q");
        }
    }

    /// <summary>
    /// Found by SimulatorPropertyTests (Little's law as a sample-path identity): a query past its deadline
    /// leaves the queue at the pool's next event, and the window's opening and closing did not remove such
    /// queries first, so the queue was counted up to the window's end, or from the latest deadline (before the
    /// window) on. One server busy for 1 s from t = 0 with the query that arrived then; a second query arrives
    /// at 0.1 s and gives up at 0.6 s (timeout 500 ms).
    /// </summary>
    [Theory]
    [InlineData(0.0, 0.8, 0.5, 0.8 + 0.5)] // window [0, 0.8]: the second query waits 0.1–0.6 s, the first is served throughout
    [InlineData(0.7, 0.5, 0.0, 0.3)] // window [0.7, 1.2]: the second query left at 0.6 s, the first is served until 1 s
    public void Simulate_TimeoutNearTheWindowsEdge_CountsTheQueueUpToTheDeadline(double warmupSeconds, double seconds, double queueSeconds, double systemSeconds)
    {
        using var trace = TraceFile.Write([0.0, 0.1]);
        var scenario = new Scenario
        {
            Seed = 1,
            Horizon = new Horizon { Seconds = seconds, WarmupSeconds = warmupSeconds },
            Workload = new Core.Scenarios.Workload { Arrivals = new ArrivalSpec { Kind = "trace", Path = trace.Path } },
            Pools = [new PoolSpec { Name = "p", Count = 1, Service = Scenarios.Deterministic(1000), TimeoutMs = 500 }],
        };

        var run = SimulationRunner.Run(SimulationModel.Compile(scenario));

        Assert.True(run.Stable, run.Reason);
        Assert.Equal(seconds, run.SimulatedSeconds, 9);
        Assert.Equal(queueSeconds / seconds, run.MeanQueueLength, 9);
        Assert.Equal(systemSeconds / seconds, run.MeanInSystem, 9);
    }

    internal static ServiceSpec Profile(double alphaMs, double betaMs, double jitterScv) =>
        new() { Profile = new ProfileSpec { AlphaMs = alphaMs, BetaMs = betaMs, JitterScv = jitterScv } };

    private static ArrivalSpec Poisson(double rate) => new() { Kind = "poisson", RatePerSecond = rate };

    private static Scenario ThreePools(ArrivalSpec arrivals, string policy) => new()
    {
        Seed = 3,
        Horizon = new Horizon { Queries = 100_000, WarmupQueries = 10_000 },
        Workload = new Core.Scenarios.Workload { Arrivals = arrivals },
        Pools =
        [
            new PoolSpec { Name = "a", Count = 2, Service = Scenarios.Exponential(500) },
            new PoolSpec { Name = "b", Count = 3, Service = Profile(300, 100, 0.2), Batching = new BatchingSpec { MaxBatch = 4, MaxWaitMs = 50 } },
            new PoolSpec { Name = "c", Count = 4, Service = Scenarios.Lognormal(1500, 1.5) },
        ],
        Routing = new RoutingSpec { Policy = policy },
    };

    private static Scenario Offload() => ThreePools(Poisson(8), ScenarioNames.Weighted) with
    {
        Pools =
        [
            new PoolSpec { Name = "cloud", Count = 6, Service = Scenarios.Exponential(500) },
            new PoolSpec { Name = "phones", Count = 50, Edge = true, Service = Scenarios.Exponential(2000) },
        ],
        Routing = new RoutingSpec { Offload = new OffloadSpec { Pool = "phones", Share = 0.3, NetworkRttMs = 40 } },
    };
}
