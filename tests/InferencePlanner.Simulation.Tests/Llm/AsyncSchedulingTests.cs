using InferencePlanner.Core.Catalog;
using InferencePlanner.Core.Llm;
using InferencePlanner.Core.Scenarios;
using InferencePlanner.Simulation.Engine;
using InferencePlanner.Simulation.Metrics;

namespace InferencePlanner.Simulation.Tests.Llm;

/// <summary>
/// Async scheduling (vLLM's default): the engine plans an iteration while the one before it runs, so a request that
/// arrives during a batch joins the iteration after the next; an idle engine plans at once.
/// </summary>
public sealed class AsyncSchedulingTests
{
    private const int Prompt = 300;
    private const int Output = 40;

    private static readonly Lazy<DeviceCatalog> Catalog = new(() => CatalogLoader.Load(Path.Combine(RepositoryPaths.Root, "data", "catalog")));

    private static Scenario TwoRequests(string trace, bool? async) => new()
    {
        Seed = 3,
        Horizon = new Horizon { Queries = 2 },
        Workload = new Core.Scenarios.Workload { Arrivals = new ArrivalSpec { Kind = "trace", Path = trace } },
        Pools =
        [
            new PoolSpec
            {
                Name = "gpu",
                Device = "nvidia-h100-sxm",
                Count = 1,
                Llm = new LlmSpec { Model = "llama-3-8b", Precision = "fp16", AsyncScheduling = async },
            },
        ],
    };

    [Theory]
    [InlineData(null)]
    [InlineData(true)]
    [InlineData(false)]
    public void ARequestArrivingMidBatch_JoinsTheIterationAfterTheNext_UnderAsyncScheduling(bool? async)
    {
        ILlmStepTimes step;
        using (var first = Engine.TraceFile.Write([0], context: Prompt, generated: Output))
        {
            step = SimulationModel.Compile(TwoRequests(first.Path, async), Catalog.Value).Pools[0].Llm!.Step;
        }

        // Request A alone from 0: its prompt, then one decode per iteration, decode i reading 300 + i − 1 cached tokens.
        var prefill = step.StepSeconds(LlmBatch.Prefill(Prompt));
        var ends = new List<double> { prefill };
        for (var i = 1; i <= 6; i++)
        {
            ends.Add(ends[^1] + step.StepSeconds(LlmBatch.Decode(1, Prompt + i - 1)));
        }

        // Request B arrives halfway through A's fifth decode (a time the trace's 100 ns ticks hold exactly).
        var arrival = Math.Round((ends[4] + ends[5]) / 2 * 1e7) / 1e7;
        Assert.InRange(arrival, ends[4], ends[5]);
        using var trace = Engine.TraceFile.Write([0, arrival], context: Prompt, generated: Output);
        var model = SimulationModel.Compile(TwoRequests(trace.Path, async), Catalog.Value);
        Assert.Equal(async ?? true, model.Pools[0].Llm!.AsyncScheduling);
        var records = new List<QueryRecord>();
        var result = SimulationRunner.RunReplication(model, 0, records.Add);

        // Synchronously, B is planned into the iteration right after the fifth decode (beside A's sixth); with async
        // scheduling that iteration was planned when the fifth began, so A's sixth decode runs alone and B joins the next.
        var lag = async ?? true ? 1 : 0;
        var admitted = ends[5 + lag];
        var together = step.StepSeconds(new LlmBatch(1, Prompt + 5 + lag, Prompt, 1, Prompt * ((Prompt + 1) / 2.0), 0));
        var ttftB = admitted + together - arrival + step.RequestOverheadSeconds;
        var ttftA = prefill + step.RequestOverheadSeconds;
        var b = Assert.Single(records, r => r.ArrivalSeconds > 0);
        Assert.Equal(admitted - arrival, b.WaitSeconds, 9);
        Assert.Equal((ttftA + ttftB) / 2 * 1000, result.TtftMs!.Mean, 6);
    }

    [Fact]
    public void AnIdleEngine_PlansAtOnce()
    {
        // Two requests far apart: each finds the replica idle and starts at its arrival, async or not.
        using var trace = Engine.TraceFile.Write([0, 60], context: Prompt, generated: Output);
        var records = new List<QueryRecord>();
        var result = SimulationRunner.RunReplication(SimulationModel.Compile(TwoRequests(trace.Path, async: true), Catalog.Value), 0, records.Add);

        Assert.Equal(2, records.Count);
        Assert.All(records, r => Assert.Equal(0, r.WaitSeconds));
        Assert.Equal(result.TtftMs!.P99, result.TtftMs.Mean, 9);
    }
}
