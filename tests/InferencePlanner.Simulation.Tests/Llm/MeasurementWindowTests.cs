using InferencePlanner.Core.Catalog;
using InferencePlanner.Core.Scenarios;
using InferencePlanner.Simulation.Engine;
using InferencePlanner.Simulation.Metrics;

namespace InferencePlanner.Simulation.Tests.Llm;

/// <summary>A generative pool's time integrals count the measured window only, to its edges.</summary>
public sealed class MeasurementWindowTests
{
    private static readonly Lazy<DeviceCatalog> Catalog = new(() => CatalogLoader.Load(RepositoryPaths.Catalog));

    private static SimulationModel LoneRequest(string trace, Horizon horizon) => SimulationModel.Compile(new Scenario
    {
        Seed = 1,
        Horizon = horizon,
        Workload = new Core.Scenarios.Workload { Arrivals = new ArrivalSpec { Kind = "trace", Path = trace } },
        Pools = [new PoolSpec { Name = "gpu", Device = "nvidia-h100-sxm", Count = 1, Llm = new LlmSpec { Model = "llama-3-8b", Precision = "fp16" } }],
    }, Catalog.Value);

    [Fact]
    public void RunningSequences_WindowOpensAndClosesMidRequest_CountsExactlyTheOverlap()
    {
        // One request arriving at 0 runs alone from 0 until it completes at T (its own latency).
        using var trace = Engine.TraceFile.Write([0], context: 2000, generated: 400);
        var records = new List<QueryRecord>();
        SimulationRunner.RunReplication(LoneRequest(trace.Path, new Horizon { Queries = 1 }), 0, records.Add);
        var end = Assert.Single(records).LatencySeconds;

        // The window opens at T/3 and closes at 2T/3, mid-iteration: one sequence runs, and its replica is busy, throughout.
        var inside = SimulationRunner.RunReplication(LoneRequest(trace.Path, new Horizon { WarmupSeconds = end / 3, Seconds = end / 3 }), 0);
        Assert.Equal(1.0, inside.Pools[0].Llm!.MeanRunningSequences, 12);
        Assert.Equal(1.0, inside.Pools[0].Utilization, 12);

        // The window opens at T/2 and runs to 2T: one sequence, and a busy replica, for its first third.
        var over = SimulationRunner.RunReplication(LoneRequest(trace.Path, new Horizon { WarmupSeconds = end / 2, Seconds = 1.5 * end }), 0);
        Assert.Equal((end / 2) / (1.5 * end), over.Pools[0].Llm!.MeanRunningSequences, 12);
        Assert.Equal((end / 2) / (1.5 * end), over.Pools[0].Utilization, 12);
    }
}
