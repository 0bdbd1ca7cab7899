using BenchmarkDotNet.Attributes;
using InferencePlanner.Core.Catalog;
using InferencePlanner.Core.Scenarios;
using InferencePlanner.Simulation.Engine;

namespace InferencePlanner.Benchmarks;

/// <summary>
/// Generative serving: the hour-long Azure conversation trace (19,366 requests with their own token counts)
/// replayed on two H100 replicas of Llama 3 8B at its real pace, and the same rows 40 times faster on 40
/// replicas (batches of tens of sequences per iteration, as a loaded fleet runs).
/// </summary>
[MemoryDiagnoser]
public class LlmBenchmarks
{
    private SimulationModel _realPace = null!;
    private SimulationModel _loaded = null!;

    [GlobalSetup]
    public void Setup()
    {
        var catalog = CatalogLoader.Load();
        _realPace = SimulationModel.Compile(Conversation(speedup: 1, replicas: 2), catalog);
        _loaded = SimulationModel.Compile(Conversation(speedup: 40, replicas: 40), catalog);
    }

    [Benchmark]
    public double ConversationTraceRealPace() => SimulationRunner.Run(_realPace).TtftMs!.P99;

    [Benchmark]
    public double ConversationTrace40xOn40Replicas() => SimulationRunner.Run(_loaded).TtftMs!.P99;

    private static Scenario Conversation(double speedup, int replicas) => new()
    {
        Seed = 1,
        Horizon = new Horizon { Queries = 19_366 },
        Workload = new Workload { Arrivals = new ArrivalSpec { Kind = "trace", Path = "azure-llm-2023-conv.csv", Speedup = speedup } },
        Pools =
        [
            new PoolSpec
            {
                Name = "h100",
                Device = "nvidia-h100-sxm",
                Count = replicas,
                Llm = new LlmSpec { Model = "llama-3-8b", Precision = "fp16", MaxBatchedTokens = 8192, MaxSequences = 256 },
            },
        ],
        Routing = new RoutingSpec { Policy = ScenarioNames.JoinShortestQueue },
        Slo = new SloSpec { TtftMs = 500, TpotMs = 50, Percentile = 99 },
    };
}
