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
        var lone = LoneRequest(trace.Path, new Horizon { Queries = 1 });
        SimulationRunner.RunReplication(lone, 0, records.Add);
        // The engine's part of its latency: the client also sees the request's own overhead (API, tokenization).
        var end = Assert.Single(records).LatencySeconds - lone.Pools[0].Llm!.Step.RequestOverheadSeconds;

        // The window opens at T/3 and closes at 2T/3, mid-iteration: one sequence runs, and its replica is busy, throughout.
        var inside = SimulationRunner.RunReplication(LoneRequest(trace.Path, new Horizon { WarmupSeconds = end / 3, Seconds = end / 3 }), 0);
        Assert.Equal(1.0, inside.Pools[0].Llm!.MeanRunningSequences, 12);
        Assert.Equal(1.0, inside.Pools[0].Utilization, 12);

        // The window opens at T/2 and runs to 2T: one sequence, and a busy replica, for its first third.
        var over = SimulationRunner.RunReplication(LoneRequest(trace.Path, new Horizon { WarmupSeconds = end / 2, Seconds = 1.5 * end }), 0);
        Assert.Equal((end / 2) / (1.5 * end), over.Pools[0].Llm!.MeanRunningSequences, 12);
        Assert.Equal((end / 2) / (1.5 * end), over.Pools[0].Utilization, 12);
    }

    [Fact]
    public void TimeInPool_FromAnEmptyStart_IsTheSumOfTheStays_WaitingAndRunning()
    {
        // Little's law as a sample-path identity for a generative pool: ∫(waiting + running) dt over the window equals
        // the requests' stays cut at the window's end (a request is always waiting or running until it leaves, even
        // when preempted). Loaded enough that requests wait. Both sides add the same durations: 1e-9 relative.
        var chatbot = ScenarioJson.Load(Path.Combine(RepositoryPaths.Root, "data", "scenarios", "llm-chatbot-h100.json"));
        var model = SimulationModel.Compile(chatbot with
        {
            Horizon = new Horizon { Queries = 3_000 },
            Workload = chatbot.Workload! with { Arrivals = new ArrivalSpec { Kind = "poisson", RatePerSecond = 60 } },
        }, Catalog.Value);
        var records = new List<QueryRecord>();

        var result = SimulationRunner.RunReplication(model, 0, records.Add);

        var pool = result.Pools[0];
        var end = result.SimulatedSeconds;
        // A request stays in the pool for its latency less its own overhead outside the engine (API, tokenization).
        var overhead = model.Pools[0].Llm!.Step.RequestOverheadSeconds;
        var stays = records.Sum(r => Math.Min(r.ArrivalSeconds + r.LatencySeconds - overhead, end) - r.ArrivalSeconds);
        Assert.Equal(pool.Arrivals, records.Count + pool.Rejected);
        Assert.True(pool.MeanQueueLength > 0, "the test wants requests to wait");
        Assert.Equal(1, pool.MeanInSystem * end / stays, 9);
        Assert.Equal(pool.MeanQueueLength + pool.Llm!.MeanRunningSequences, pool.MeanInSystem, 12);
        if (pool.Llm.Preemptions == 0)
        {
            // Without preemption a request waits once, from arrival to admission.
            var waits = records.Sum(r => Math.Min(r.ArrivalSeconds + r.WaitSeconds, end) - r.ArrivalSeconds);
            Assert.Equal(1, pool.MeanQueueLength * end / waits, 9);
        }
    }
}
