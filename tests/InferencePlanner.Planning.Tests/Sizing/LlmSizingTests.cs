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

    [Fact]
    public void SizingATraceDrivenPool_DrawsTheTracesTokens_NotOneTokenRequests()
    {
        // The sizer offers Poisson arrivals; a trace-driven generative pool's requests used to get 1 token in, 1 out.
        var folder = Path.Combine(RepositoryPaths.Root, "data", "scenarios");
        var model = SimulationModel.Compile(ScenarioJson.Load(Path.Combine(folder, "llm-conversation-trace.json")), Catalog.Value, folder);
        var generated = File.ReadLines(Path.Combine(RepositoryPaths.Root, "data", "traces", "azure-llm-2023-conv.csv")).Skip(1)
            .Select(line => double.Parse(line.Split(',')[2], System.Globalization.CultureInfo.InvariantCulture)).Select(t => Math.Max(1, t)).ToList();
        var mean = generated.Average();
        var sd = Math.Sqrt(generated.Sum(t => (t - mean) * (t - mean)) / (generated.Count - 1));

        var alone = model.AlonePoisson(model.Pools[0], 4, 20_000, new SloSpec { TtftMs = 500, TpotMs = 50, Percentile = 99 });
        var result = SimulationRunner.Run(alone, new SimulationOptions { MaxDegreeOfParallelism = 1 });

        // Output tokens per completed request: the trace's mean within 4 standard errors of n requests, plus at most the
        // sequences in flight at the window's edges (their tokens counted, their completions not, or the reverse).
        var perRequest = result.OutputTokensPerSecond!.Value / result.ThroughputPerSecond;
        var n = result.Completed;
        var edge = 2 * result.Pools[0].Llm!.MeanRunningSequences / n;
        Assert.InRange(perRequest, (mean * (1 - edge)) - (4 * sd / Math.Sqrt(n)), (mean * (1 + edge)) + (4 * sd / Math.Sqrt(n)));
        Assert.True(mean > 100, $"the trace's answers average {mean:F0} tokens");
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
