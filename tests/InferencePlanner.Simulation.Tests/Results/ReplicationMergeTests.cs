using InferencePlanner.Core.Catalog;
using InferencePlanner.Core.Scenarios;
using InferencePlanner.Simulation.Engine;
using InferencePlanner.Simulation.Results;

namespace InferencePlanner.Simulation.Tests.Results;

public sealed class ReplicationMergeTests
{
    private static readonly Lazy<DeviceCatalog> Catalog = new(() => CatalogLoader.Load(RepositoryPaths.Catalog));

    private static SimulationModel Chatbot() =>
        SimulationModel.Compile(ScenarioJson.Load(Path.Combine(RepositoryPaths.Root, "data", "scenarios", "llm-chatbot-h100.json")), Catalog.Value)
            .With(queries: 3_000);

    [Fact]
    public void Replications_GenerativeScenario_KeepTtftTpotAndTokens_AsMeansOfTheReplications()
    {
        var model = Chatbot();
        var runs = Enumerable.Range(0, 3).Select(r => SimulationRunner.RunReplication(model, r)).ToArray();

        var merged = SimulationRunner.Run(model, new SimulationOptions { Replications = 3 });

        // Each replication is one seeded run: the merge is their mean (counts their sum), field by field.
        Assert.NotNull(merged.TtftMs);
        Assert.NotNull(merged.TpotMs);
        Assert.Equal(runs.Average(r => r.TtftMs!.P99), merged.TtftMs!.P99, 9);
        Assert.Equal(runs.Average(r => r.TtftMs!.Mean), merged.TtftMs.Mean, 9);
        Assert.Equal(runs.Average(r => r.TpotMs!.P99), merged.TpotMs!.P99, 9);
        Assert.Equal(runs.Average(r => r.OutputTokensPerSecond!.Value), merged.OutputTokensPerSecond!.Value, 9);

        var pool = merged.Pools[0].Llm!;
        Assert.Equal(runs.Average(r => r.Pools[0].Llm!.OutputTokensPerSecond), pool.OutputTokensPerSecond, 9);
        Assert.Equal(runs.Average(r => r.Pools[0].Llm!.TtftMs.P90), pool.TtftMs.P90, 9);
        Assert.Equal(runs.Average(r => r.Pools[0].Llm!.KvCacheUtilization), pool.KvCacheUtilization, 12);
        Assert.Equal(runs.Sum(r => r.Pools[0].Llm!.Iterations), pool.Iterations);
        Assert.Equal(runs.Max(r => r.Pools[0].Llm!.PeakKvTokensPerReplica), pool.PeakKvTokensPerReplica);
        Assert.Equal(runs.Average(r => r.Pools[0].MeanBatchSize), merged.Pools[0].MeanBatchSize, 12);
    }
}
