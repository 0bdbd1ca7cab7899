using BenchmarkDotNet.Attributes;
using InferencePlanner.Core.Scenarios;
using InferencePlanner.Simulation.Engine;

namespace InferencePlanner.Benchmarks;

/// <summary>
/// Queries simulated per second on one core, full metrics on (wait and latency histograms, utilization,
/// queue-length integrals, batch sizes, SLO counts). Each invocation simulates 1.1 million queries
/// (100,000 of warm-up, then 1,000,000 measured): queries/s = 1.1 M / mean.
/// </summary>
[MemoryDiagnoser]
public class MmcBenchmarks
{
    private SimulationModel _model = null!;

    [Params(1, 8, 64)]
    public int Servers { get; set; }

    [GlobalSetup]
    public void Setup() => _model = SimulationModel.Compile(BenchmarkScenarios.Mmc(Servers, BenchmarkScenarios.Queries));

    [Benchmark]
    public double MmcPool() => SimulationRunner.Run(_model, new SimulationOptions { MaxDegreeOfParallelism = 1 }).WaitMs.Mean;
}

/// <summary>A day-shaped load over three batched pools with profile service times (1.1 M queries an invocation).</summary>
[MemoryDiagnoser]
public class FleetBenchmarks
{
    private SimulationModel _model = null!;

    [GlobalSetup]
    public void Setup() => _model = SimulationModel.Compile(BenchmarkScenarios.DiurnalBatchedThreePools(BenchmarkScenarios.Queries));

    [Benchmark]
    public double DiurnalBatchedThreePools() => SimulationRunner.Run(_model, new SimulationOptions { MaxDegreeOfParallelism = 1 }).LatencyMs.P99;
}

/// <summary>Replications across cores: as many replications as cores, run on one core or on all of them.</summary>
[MemoryDiagnoser]
public class ReplicationBenchmarks
{
    private SimulationModel _model = null!;

    [Params(1, 0)]
    public int Cores { get; set; }

    [GlobalSetup]
    public void Setup() => _model = SimulationModel.Compile(BenchmarkScenarios.Mmc(8, BenchmarkScenarios.Queries));

    [Benchmark]
    public double MmcReplications() => SimulationRunner.Run(_model, new SimulationOptions
    {
        Replications = Environment.ProcessorCount,
        MaxDegreeOfParallelism = Cores == 0 ? Environment.ProcessorCount : Cores,
    }).WaitMs.Mean;
}

internal static class BenchmarkScenarios
{
    public const long Queries = 1_000_000;

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
