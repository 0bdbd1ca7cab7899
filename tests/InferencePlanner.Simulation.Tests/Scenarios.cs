using InferencePlanner.Core.Scenarios;
using InferencePlanner.Simulation.Engine;
using InferencePlanner.Simulation.Results;

namespace InferencePlanner.Simulation.Tests;

/// <summary>Builders for test scenarios: one pool, time in units of the mean service (1 s by default).</summary>
internal static class Scenarios
{
    public static Scenario SinglePool(
        double arrivalRate,
        int servers,
        ServiceSpec? service = null,
        long queries = 200_000,
        long warmup = 20_000,
        int maxBatch = 1,
        double maxWaitMs = 0,
        int? maxQueueLength = null,
        double? timeoutMs = null,
        long seed = 7) => new()
        {
            Name = "test",
            Seed = seed,
            Horizon = new Horizon { Queries = queries, WarmupQueries = warmup },
            Workload = new Core.Scenarios.Workload { Arrivals = new ArrivalSpec { Kind = "poisson", RatePerSecond = arrivalRate } },
            Pools =
            [
                new PoolSpec
                {
                    Name = "pool",
                    Count = servers,
                    Service = service ?? Exponential(1000),
                    Batching = new BatchingSpec { MaxBatch = maxBatch, MaxWaitMs = maxWaitMs },
                    MaxQueueLength = maxQueueLength,
                    TimeoutMs = timeoutMs,
                },
            ],
        };

    public static ServiceSpec Exponential(double meanMs) => new() { Distribution = "exponential", MeanMs = meanMs };

    public static ServiceSpec Deterministic(double meanMs) => new() { Distribution = "deterministic", MeanMs = meanMs };

    public static ServiceSpec Erlang(double meanMs, int shape) => new() { Distribution = "erlang", MeanMs = meanMs, Shape = shape };

    public static ServiceSpec Hyper(double meanMs, double scv) => new() { Distribution = "hyperexponential", MeanMs = meanMs, Scv = scv };

    public static ServiceSpec Lognormal(double meanMs, double scv) => new() { Distribution = "lognormal", MeanMs = meanMs, Scv = scv };

    /// <summary>Independent replications, one result each.</summary>
    public static SimulationResult[] Replicate(Scenario scenario, int replications)
    {
        var model = SimulationModel.Compile(scenario);
        return Enumerable.Range(0, replications).Select(r => SimulationRunner.RunReplication(model, r)).ToArray();
    }
}

/// <summary>
/// Tolerances from the statistic's own spread: the half-width of a 99.9 % Student-t interval over
/// independent replications, plus the histogram's resolution where a percentile is read from it.
/// </summary>
internal static class Tolerance
{
    public static double HalfWidth999(IReadOnlyList<double> values)
    {
        var n = values.Count;
        var mean = values.Average();
        var sd = Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (n - 1));
        return MathNet.Numerics.Distributions.StudentT.InvCDF(0, 1, n - 1, 0.9995) * sd / Math.Sqrt(n);
    }

    /// <summary>Asserts that the replications' mean is within its 99.9 % half-width (+ <paramref name="resolution"/>) of <paramref name="exact"/>.</summary>
    public static void AssertMatches(double exact, IReadOnlyList<double> values, string what, double resolution = 0)
    {
        var mean = values.Average();
        var tolerance = HalfWidth999(values) + resolution;
        Assert.True(
            Math.Abs(mean - exact) <= tolerance,
            $"{what}: simulated {mean:G6} vs exact {exact:G6}; |Δ| = {Math.Abs(mean - exact):G3} > tolerance {tolerance:G3}");
    }
}
