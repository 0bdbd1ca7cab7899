using InferencePlanner.Core.Analytics;
using InferencePlanner.Core.Scenarios;
using InferencePlanner.Planning.Sizing;
using InferencePlanner.Simulation.Engine;

namespace InferencePlanner.Planning.Tests.Sizing;

public sealed class SizingTests
{
    private static readonly SloTarget P99Under300 = new(300, 99);

    [Theory]
    [InlineData(50, 40)]
    [InlineData(500, 40)]
    [InlineData(3.2, 1000)]
    public void MmcPool_SizedCount_IsTheExactMinimumOfTheClosedForm(double rate, double meanMs)
    {
        var pool = new PoolSpec { Name = "gpu", Count = 1, Service = new ServiceSpec { Distribution = "exponential", MeanMs = meanMs } };
        var slo = new SloTarget(meanMs * 8, 99);

        var sized = new PoolSizer().Size(pool, rate, slo);

        // The smallest c whose M/M/c sojourn p99 is within the target, found by walking c upward here.
        var mu = 1000 / meanMs;
        var c = 1;
        while (rate >= c * mu || new MmcQueue(rate, mu, c).SojournQuantile(0.99) * 1000 > slo.LatencyMs)
        {
            c++;
        }

        Assert.Equal(c, sized.Count);
        Assert.True(sized.Exact);
    }

    [Theory]
    [InlineData(400, 16, 4)]
    [InlineData(1500, 32, 2)]
    public void BatchedPool_SizedCount_MeetsTheSlo_AndOneFewerDoesNot(double rate, int maxBatch, double maxWaitMs)
    {
        var pool = new PoolSpec
        {
            Name = "l4",
            Count = 1,
            Service = new ServiceSpec { Profile = new ProfileSpec { AlphaMs = 8, BetaMs = 1.5, JitterScv = 0.05 } },
            Batching = new BatchingSpec { MaxBatch = maxBatch, MaxWaitMs = maxWaitMs },
        };
        var slo = new SloTarget(40, 99);

        var sized = new PoolSizer(seed: 9).Size(pool, rate, slo);

        Assert.False(sized.Exact);
        Assert.True(Meets(pool with { Count = sized.Count }, rate, slo), "the sized fleet must meet the SLO");
        Assert.False(Meets(pool with { Count = sized.Count - 1 }, rate, slo), "one server fewer must not");
    }

    [Fact]
    public void Slo_BelowTheServiceTime_IsReportedUnreachable()
    {
        var pool = new PoolSpec { Name = "slow", Count = 1, Service = new ServiceSpec { Distribution = "exponential", MeanMs = 100 } };

        var ex = Assert.Throws<UnreachableSloException>(() => new PoolSizer().Size(pool, 10, new SloTarget(50, 99)));

        Assert.Contains("slow", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MixSearch_FindsTheBruteForceOptimum()
    {
        // Two M/M/c types, feasibility by the closed form with traffic split in proportion to capacity.
        double[] mu = [25, 10];          // per-server service rates (40 ms and 100 ms)
        double[] price = [4.1, 1.3];     // USD per device-hour
        const double rate = 180;
        var target = 300.0;
        bool Feasible(int[] n)
        {
            var capacity = (n[0] * mu[0]) + (n[1] * mu[1]);
            if (capacity <= rate)
            {
                return false;
            }

            for (var i = 0; i < 2; i++)
            {
                if (n[i] == 0)
                {
                    continue;
                }

                var share = rate * n[i] * mu[i] / capacity;
                if (new MmcQueue(share, mu[i], n[i]).SojournQuantile(0.99) * 1000 > target)
                {
                    return false;
                }
            }

            return true;
        }

        int[] upper = [20, 40];
        var found = MixOptimizer.Search(2, upper, price, Feasible);

        var best = double.PositiveInfinity;
        for (var a = 0; a <= upper[0]; a++)
        {
            for (var b = 0; b <= upper[1]; b++)
            {
                if (Feasible([a, b]))
                {
                    best = Math.Min(best, (a * price[0]) + (b * price[1]));
                }
            }
        }

        Assert.Equal(best, (found[0] * price[0]) + (found[1] * price[1]), 9);
        Assert.True(Feasible(found));
    }

    private static bool Meets(PoolSpec pool, double rate, SloTarget slo)
    {
        var scenario = new Scenario
        {
            Seed = 9,
            Horizon = new Horizon { Queries = 100_000, WarmupQueries = 10_000 },
            Workload = new Workload { Arrivals = new ArrivalSpec { Kind = "poisson", RatePerSecond = rate } },
            Pools = [pool],
            Slo = new SloSpec { LatencyMs = slo.LatencyMs, Percentile = slo.Percentile },
        };
        var result = SimulationRunner.Run(SimulationModel.Compile(scenario), new SimulationOptions { MaxDegreeOfParallelism = 1 });
        return result is { Stable: true, SloMet: true };
    }
}
