using BenchmarkDotNet.Attributes;
using InferencePlanner.Core.Scenarios;
using InferencePlanner.Simulation.Engine;

namespace InferencePlanner.Benchmarks;

/// <summary>
/// Queries simulated per second on one core, full metrics on. Each invocation simulates
/// <see cref="Queries"/> queries; BenchmarkDotNet's per-operation time gives queries/s = Queries / mean.
/// </summary>
[MemoryDiagnoser]
public class SimulationBenchmarks
{
    public const long Queries = 1_000_000;

    private SimulationModel _mmc = null!;
    private SimulationModel _fleet = null!;

    [Params(1, 8, 64)]
    public int Servers { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _mmc = SimulationModel.Compile(BenchmarkScenarios.Mmc(Servers, Queries));
        _fleet = SimulationModel.Compile(BenchmarkScenarios.DiurnalBatchedThreePools(Queries));
    }

    [Benchmark(OperationsPerInvoke = 1)]
    public double MmcPool() => SimulationRunner.Run(_mmc, new SimulationOptions { MaxDegreeOfParallelism = 1 }).WaitMs.Mean;

    [Benchmark]
    public double DiurnalBatchedThreePools() => SimulationRunner.Run(_fleet, new SimulationOptions { MaxDegreeOfParallelism = 1 }).LatencyMs.P99;
}

internal static class BenchmarkScenarios
{
    public static Scenario Mmc(int servers, long queries) => new()
    {
        Seed = 1,
        Horizon = new Horizon { Queries = queries, WarmupQueries = queries / 10 },
        Workload = new Workload { Arrivals = new ArrivalSpec { Kind = "poisson", RatePerSecond = 0.8 * servers / 0.010 } },
        Pools = [new PoolSpec { Name = "gpu", Count = servers, Service = new ServiceSpec { Distribution = "exponential", MeanMs = 10 } }],
    };

    /// <summary>A day-shaped load on three batched pools (weighted split), as a planner would run it.</summary>
    public static Scenario DiurnalBatchedThreePools(long queries) => new()
    {
        Seed = 1,
        Horizon = new Horizon { Queries = queries, WarmupQueries = queries / 10 },
        Workload = new Workload
        {
            Arrivals = new ArrivalSpec
            {
                Kind = "diurnal",
                RatePerSecond = 4000,
                DailyShape = [0.3, 0.25, 0.2, 0.2, 0.25, 0.3, 0.45, 0.6, 0.75, 0.85, 0.9, 0.95, 1.0, 0.95, 0.9, 0.9, 0.85, 0.8, 0.8, 0.75, 0.7, 0.6, 0.5, 0.4],
            },
        },
        Pools =
        [
            new PoolSpec { Name = "h100", Count = 16, Service = new ServiceSpec { Profile = new ProfileSpec { AlphaMs = 8, BetaMs = 1.5, JitterScv = 0.05 } }, Batching = new BatchingSpec { MaxBatch = 16, MaxWaitMs = 4 } },
            new PoolSpec { Name = "l4", Count = 24, Service = new ServiceSpec { Profile = new ProfileSpec { AlphaMs = 20, BetaMs = 5, JitterScv = 0.05 } }, Batching = new BatchingSpec { MaxBatch = 8, MaxWaitMs = 6 } },
            new PoolSpec { Name = "cpu", Count = 32, Service = new ServiceSpec { Distribution = "lognormal", MeanMs = 60, Scv = 0.5 }, Batching = new BatchingSpec { MaxBatch = 4, MaxWaitMs = 10 } },
        ],
        Slo = new SloSpec { LatencyMs = 300, Percentile = 99 },
    };
}
