using InferencePlanner.Core.Analytics;
using InferencePlanner.Core.Catalog;
using InferencePlanner.Core.Llm;
using InferencePlanner.Core.Scenarios;
using InferencePlanner.Simulation.Engine;

namespace InferencePlanner.Simulation.Tests.Queueing;

/// <summary>The analytic estimate set beside each run: which result, exact or not, and its figures against the closed forms themselves.</summary>
public sealed class NearestClosedFormTests
{
    private static readonly Lazy<DeviceCatalog> Catalog = new(() => CatalogLoader.Load(Path.Combine(RepositoryPaths.Root, "data", "catalog")));

    private static ClosedFormEstimate? For(Scenario scenario, DeviceCatalog? catalog = null) => NearestClosedForm.For(SimulationModel.Compile(scenario, catalog));

    [Fact]
    public void Mmc_IsErlangC_Exact()
    {
        var estimate = For(Scenarios.SinglePool(3.2, 4))!;
        var exact = new MmcQueue(3.2, 1, 4);

        Assert.Equal("Erlang C (M/M/4)", estimate.Name);
        Assert.True(estimate.Exact);
        Assert.Equal(exact.ProbabilityOfWait, estimate.ProbabilityOfWait);
        Assert.Equal(exact.MeanWait * 1000, estimate.MeanWaitMs);
        Assert.Equal(exact.MeanSojourn * 1000, estimate.MeanLatencyMs);
        Assert.Equal(exact.SojournQuantile(0.99) * 1000, estimate.P99LatencyMs);
    }

    [Fact]
    public void Md1_IsPollaczekKhinchine_Exact_AndItsWaitIsTheTextbooksFigure()
    {
        // M/D/1 at ρ = 0.8 with 1 s service: Wq = ρ / (2 (1 − ρ)) · 1 s = 2 s.
        var estimate = For(Scenarios.SinglePool(0.8, 1, Scenarios.Deterministic(1000)))!;

        Assert.StartsWith("Pollaczek–Khinchine (M/D/1", estimate.Name, StringComparison.Ordinal);
        Assert.True(estimate.Exact);
        Assert.Equal(2000, estimate.MeanWaitMs!.Value, 9);
        Assert.Equal(3000, estimate.MeanLatencyMs!.Value, 9);
        Assert.Equal(0.8, estimate.ProbabilityOfWait!.Value, 12);
    }

    [Theory]
    [InlineData("deterministic", 0.0, "M/D/3")]
    [InlineData("erlang", 0.5, "M/G/3")]
    public void Mgc_IsLeeLongton_Approximate_TheErlangCWaitScaledByHalfOfOnePlusScv(string distribution, double scv, string name)
    {
        var service = distribution == "erlang" ? Scenarios.Erlang(1000, 2) : Scenarios.Deterministic(1000);
        var estimate = For(Scenarios.SinglePool(2.4, 3, service))!;

        Assert.StartsWith(name, estimate.Name, StringComparison.Ordinal);
        Assert.False(estimate.Exact);
        Assert.Equal((1 + scv) / 2 * new MmcQueue(2.4, 1, 3).MeanWait * 1000, estimate.MeanWaitMs!.Value, 9);
    }

    [Fact]
    public void GreedyBatching_OnOneServer_IsTheBulkServiceQueue_Exact_AndTheRunAgrees()
    {
        var scenario = Scenarios.SinglePool(3.2, 1, maxBatch: 4, maxWaitMs: 0, queries: 200_000, warmup: 20_000);
        var estimate = For(scenario)!;
        var exact = new BulkServiceQueue(3.2, 1.0, 4);

        Assert.True(estimate.Exact);
        Assert.Equal(exact.MeanWait * 1000, estimate.MeanWaitMs);
        Assert.Equal(exact.MeanBatchSize, estimate.MeanBatchSize);

        // Attached to the run, and the run agrees with it within the replications' error.
        var runs = Scenarios.Replicate(scenario, 10);
        var merged = SimulationRunner.Run(SimulationModel.Compile(scenario), new SimulationOptions { Replications = 10 });
        Assert.Equal(estimate, merged.ClosedForm);
        Tolerance.AssertMatches(estimate.MeanWaitMs!.Value, runs.Select(r => r.WaitMs.Mean).ToList(), "bulk mean wait (ms)");
        var rows = merged.ClosedForm!.Against(merged);
        Assert.Equal(["mean wait", "mean latency", "mean batch"], rows.Select(r => r.Figure));
        Assert.All(rows, r => Assert.Equal((r.Simulated - r.Theory) / r.Theory, r.Difference, 12));
    }

    [Fact]
    public void GreedyBatching_OnSeveralServers_IsApproximate_AndNamesTheSplit()
    {
        var estimate = For(Scenarios.SinglePool(6.4, 2, maxBatch: 4))!;
        Assert.False(estimate.Exact);
        Assert.Equal(new BulkServiceQueue(3.2, 1.0, 4).MeanWait * 1000, estimate.MeanWaitMs);
        Assert.Contains("random 50 % of the arrivals", estimate.Basis, StringComparison.Ordinal);
    }

    [Fact]
    public void NoClosedForm_ForABoundedLine_OrNonPoissonArrivals_OrAProfile()
    {
        Assert.Null(For(Scenarios.SinglePool(3.2, 4, maxQueueLength: 10)));
        Assert.Null(For(Scenarios.SinglePool(3.2, 4) with { Workload = new Core.Scenarios.Workload { Arrivals = new ArrivalSpec { Kind = "constant", RatePerSecond = 3.2 } } }));
        var profiled = new ServiceSpec { Profile = new ProfileSpec { Points = [new ProfilePoint(1, 10), new ProfilePoint(8, 40)] } };
        Assert.Null(For(Scenarios.SinglePool(10, 2, profiled, maxBatch: 8)));
    }

    private static Scenario Chatbot(double rate, long queries) => new()
    {
        Seed = 11,
        Horizon = new Horizon { Queries = queries, WarmupQueries = queries / 10 },
        Workload = new Core.Scenarios.Workload
        {
            Arrivals = new ArrivalSpec { Kind = "poisson", RatePerSecond = rate },
            Tokens = new TokensSpec
            {
                Input = new TokenDistributionSpec { Distribution = "deterministic", Mean = 500 },
                Output = new TokenDistributionSpec { Distribution = "deterministic", Mean = 100 },
            },
        },
        Pools = [new PoolSpec { Name = "gpu", Device = "nvidia-h100-sxm", Count = 1, Llm = new LlmSpec { Model = "llama-3-8b", Precision = "fp16" } }],
    };

    [Fact]
    public void ContinuousBatching_IsProcessorSharing_ItsAloneTimeIsTheStepModels_AndTheRunLiesBetweenAloneAndShared()
    {
        var model = SimulationModel.Compile(Chatbot(1, 100), Catalog.Value);
        var step = model.Pools[0].Llm!.Step;
        // Alone: one prefill of 500 tokens, then 99 decode steps over a growing context, plus the request's overhead.
        var alone = step.RequestOverheadSeconds + step.StepSeconds(new LlmBatch(0, 0, 500, 1, 500 * 250.5, 0));
        var ttft = alone;
        for (var k = 1; k < 100; k++)
        {
            alone += step.StepSeconds(LlmBatch.Decode(1, 500 + k - 1));
        }

        var capacity = LlmCapacity.PerReplica(model.Pools[0].Llm!, 500, 100).RequestsPerSecond;
        var estimate = NearestClosedForm.For(model)!;
        Assert.False(estimate.Exact);
        Assert.Equal(ttft * 1000, estimate.MeanTtftMs!.Value, 9);
        Assert.Equal(alone / (1 - (1 / capacity)) * 1000, estimate.MeanLatencyMs!.Value, 9);

        // At half the capacity: no request is faster than alone (a step with more work never takes less time), and
        // memory-bound decoding shares far better than processor sharing assumes.
        var half = SimulationModel.Compile(Chatbot(capacity / 2, 4_000), Catalog.Value);
        var result = SimulationRunner.Run(half);
        var shared = result.ClosedForm!.MeanLatencyMs!.Value;
        Assert.Equal(2 * alone * 1000, shared, 6);
        Assert.InRange(result.LatencyMs.Mean, alone * 1000, shared);
    }
}
