using InferencePlanner.Core.Analytics;
using InferencePlanner.Core.Scenarios;
using InferencePlanner.Simulation.Metrics;

namespace InferencePlanner.Simulation.Tests.Engine;

public sealed class RoutingTests
{
    private const int Replications = 8;

    private static Scenario TwoSingleServers(string policy, double lambda, double? weightA = null, double? weightB = null) => new()
    {
        Seed = 11,
        Horizon = new Horizon { Queries = 200_000, WarmupQueries = 20_000 },
        Workload = new Core.Scenarios.Workload { Arrivals = new ArrivalSpec { Kind = "poisson", RatePerSecond = lambda } },
        Pools =
        [
            new PoolSpec { Name = "a", Count = 1, Weight = weightA, Service = Scenarios.Exponential(1000) },
            new PoolSpec { Name = "b", Count = 1, Weight = weightB, Service = Scenarios.Exponential(1000) },
        ],
        Routing = new RoutingSpec { Policy = policy },
    };

    [Fact]
    public void WeightedSplit_ThinsPoisson_SoEachPoolIsAnMM1()
    {
        // Weights 1:3 of λ = 1.2 give Poisson streams of 0.3 and 0.9 to two M/M/1 queues.
        var runs = Scenarios.Replicate(TwoSingleServers(ScenarioNames.Weighted, 1.2, 1, 3), Replications);

        Tolerance.AssertMatches(0.25, runs.Select(r => (double)r.Pools[0].Arrivals / r.Arrivals).ToList(), "share to a");
        Tolerance.AssertMatches(new MmcQueue(0.3, 1, 1).MeanWait * 1000, runs.Select(r => r.Pools[0].WaitMs.Mean).ToList(), "pool a mean wait");
        Tolerance.AssertMatches(new MmcQueue(0.9, 1, 1).MeanWait * 1000, runs.Select(r => r.Pools[1].WaitMs.Mean).ToList(), "pool b mean wait");
    }

    [Fact]
    public void JoinShortestQueue_BeatsPowerOfTwo_WhichBeatsARandomSplit()
    {
        const double lambda = 1.6;
        var randomRuns = Scenarios.Replicate(TwoSingleServers(ScenarioNames.Weighted, lambda), Replications);
        var random = randomRuns.Average(r => r.WaitMs.Mean);
        var two = Scenarios.Replicate(TwoSingleServers(ScenarioNames.PowerOfTwo, lambda), Replications).Average(r => r.WaitMs.Mean);
        var jsq = Scenarios.Replicate(TwoSingleServers(ScenarioNames.JoinShortestQueue, lambda), Replications).Average(r => r.WaitMs.Mean);
        var pooled = new MmcQueue(lambda, 1, 2).MeanWait * 1000;

        // A random split is two M/M/1 at λ/2; one shared queue (M/M/2) is the bound no router can beat.
        Tolerance.AssertMatches(new MmcQueue(lambda / 2, 1, 1).MeanWait * 1000, randomRuns.Select(r => r.WaitMs.Mean).ToList(), "random split mean wait");
        Assert.True(jsq < two && two < random, $"JSQ {jsq:F0} ms, power-of-two {two:F0} ms, random {random:F0} ms");
        Assert.True(jsq > pooled, $"JSQ {jsq:F0} ms cannot beat one shared queue {pooled:F0} ms");
    }

    [Fact]
    public void EdgeOffload_SendsItsShare_AndAddsTheRoundTrip()
    {
        var scenario = TwoSingleServers(ScenarioNames.Weighted, 1.0) with
        {
            Pools =
            [
                new PoolSpec { Name = "cloud", Count = 2, Service = Scenarios.Exponential(1000) },
                new PoolSpec { Name = "phone", Count = 1, Edge = true, Service = Scenarios.Exponential(1000) },
            ],
            Routing = new RoutingSpec { Offload = new OffloadSpec { Pool = "phone", Share = 0.3, NetworkRttMs = 40 } },
        };

        var runs = Scenarios.Replicate(scenario, Replications);

        Tolerance.AssertMatches(0.3, runs.Select(r => (double)r.Pools[1].Arrivals / r.Arrivals).ToList(), "offloaded share");
        // Thinned Poisson at 0.3 into one server: an M/M/1 sojourn plus the network round trip.
        Tolerance.AssertMatches((new MmcQueue(0.3, 1, 1).MeanSojourn * 1000) + 40, runs.Select(r => r.Pools[1].LatencyMs.Mean).ToList(), "edge latency");
        Assert.All(runs, r => Assert.True(r.Pools[1].LatencyMs.P50 > 40));
        Assert.All(runs, r => Assert.True(r.Pools[1].Edge));
    }

    [Fact]
    public void QueryClasses_SplitByWeight_AndEachMeetsItsOwnTarget()
    {
        var scenario = Scenarios.SinglePool(3.2, 4) with
        {
            Workload = new Core.Scenarios.Workload
            {
                Arrivals = new ArrivalSpec { Kind = "poisson", RatePerSecond = 3.2 },
                Classes =
                [
                    new QueryClassSpec { Name = "interactive", Weight = 1, Slo = new SloSpec { LatencyMs = 1500, Percentile = 90 } },
                    new QueryClassSpec { Name = "batch", Weight = 3, Slo = new SloSpec { LatencyMs = 4000, Percentile = 99 } },
                ],
            },
        };
        var exact = new MmcQueue(3.2, 1, 4);

        var runs = Scenarios.Replicate(scenario, Replications);

        Tolerance.AssertMatches(0.25, runs.Select(r => (double)r.Classes[0].Arrivals / r.Arrivals).ToList(), "interactive share");
        // FIFO ignores the class: each class's latency is the M/M/4 sojourn, so attainment is P(T ≤ target).
        Tolerance.AssertMatches(1 - exact.SojournExceeds(1.5), runs.Select(r => r.Classes[0].SloAttainment).ToList(), "interactive attainment",
            LatencyHistogram.RelativeResolution);
        Tolerance.AssertMatches(1 - exact.SojournExceeds(4.0), runs.Select(r => r.Classes[1].SloAttainment).ToList(), "batch attainment",
            LatencyHistogram.RelativeResolution);
        Assert.All(runs, r => Assert.False(r.SloMet)); // p90 of the M/M/4 sojourn is above 1.5 s
    }
}
