using InferencePlanner.Core.Catalog;
using InferencePlanner.Core.Scenarios;
using InferencePlanner.Planning.Sizing;
using InferencePlanner.Simulation.Engine;

namespace InferencePlanner.Planning.Tests.Sizing;

public sealed class LlmSizingTests
{
    private static readonly Lazy<DeviceCatalog> Catalog = new(() => CatalogLoader.Load(RepositoryPaths.Catalog));

    private static readonly TokensSpec Tokens = new()
    {
        Input = new TokenDistributionSpec { Distribution = "lognormal", Mean = 1155, Scv = 0.8, Max = 14_000 },
        Output = new TokenDistributionSpec { Distribution = "lognormal", Mean = 211, Scv = 0.6, Max = 1000 },
    };

    [Fact]
    public void GenerativePool_SizedReplicas_MeetTtftAndTpot_AndOneFewerDoesNot()
    {
        var pool = new PoolSpec
        {
            Name = "h100",
            Device = "nvidia-h100-sxm",
            Count = 1,
            Llm = new LlmSpec { Model = "llama-3-70b", Precision = "fp8", TensorParallel = 2 },
        };
        var slo = new SloTarget(double.PositiveInfinity, 99, TtftMs: 2000, TpotMs: 60);

        var sized = new PoolSizer(seed: 4, queries: 5_000, Catalog.Value, Tokens).Size(pool, 30, slo);

        Assert.True(sized.Count >= 2, $"{sized.Count} replicas");
        Assert.True(Meets(pool with { Count = sized.Count }));
        Assert.False(Meets(pool with { Count = sized.Count - 1 }));
    }

    [Fact]
    public void GenerativePool_NeedingMoreThan72Replicas_IsSized_WithoutAFixedCeiling()
    {
        // The search used to stop at 8 × its bound + 64 = 72 replicas and report "p99 ≤ Infinity ms".
        var pool = new PoolSpec { Name = "h100", Device = "nvidia-h100-sxm", Count = 1, Llm = new LlmSpec { Model = "llama-3-70b", Precision = "fp8", TensorParallel = 2 } };
        var slo = new SloTarget(double.PositiveInfinity, 99, TtftMs: 2000, TpotMs: 60);

        var sized = new PoolSizer(seed: 4, queries: 5_000, Catalog.Value, Tokens).Size(pool, 1_200, slo);

        Assert.True(sized.Count > 72, $"{sized.Count} replicas");
        Assert.True(Meets(pool with { Count = sized.Count }, 1_200));
        Assert.False(Meets(pool with { Count = sized.Count - 1 }, 1_200));
    }

    [Fact]
    public void GenerativePool_WhoseLoneRequestMissesTheTarget_IsUnreachable_SaidInWords()
    {
        // A lone request's prefill of ~1,155 tokens on Llama 3 70B takes far more than 1 ms: no fleet helps.
        var pool = new PoolSpec { Name = "h100", Device = "nvidia-h100-sxm", Count = 1, Llm = new LlmSpec { Model = "llama-3-70b", Precision = "fp8", TensorParallel = 2 } };
        var slo = new SloTarget(double.PositiveInfinity, 99, TtftMs: 1, TpotMs: 60);

        var ex = Assert.Throws<UnreachableSloException>(() => new PoolSizer(seed: 4, queries: 5_000, Catalog.Value, Tokens).Size(pool, 30, slo));

        Assert.StartsWith("pool 'h100' cannot meet p99 TTFT ≤ 1 ms and p99 TPOT ≤ 60 ms at 30 queries/s with any number of servers: even a query alone takes p99 latency", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Infinity", ex.Message, StringComparison.Ordinal);
    }

    private static bool Meets(PoolSpec pool, double rate = 30)
    {
        var scenario = new Scenario
        {
            Seed = 4,
            Horizon = new Horizon { Queries = 5_000, WarmupQueries = 500 },
            Workload = new Workload { Arrivals = new ArrivalSpec { Kind = "poisson", RatePerSecond = rate }, Tokens = Tokens },
            Pools = [pool],
            Slo = new SloSpec { TtftMs = 2000, TpotMs = 60, Percentile = 99 },
        };
        return SimulationRunner.Run(SimulationModel.Compile(scenario, Catalog.Value), new SimulationOptions { MaxDegreeOfParallelism = 1 }) is { Stable: true, SloMet: true };
    }
}
