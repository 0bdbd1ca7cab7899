using InferencePlanner.Core.Scenarios;
using InferencePlanner.Simulation.Engine;
using InferencePlanner.Simulation.Kernel;

namespace InferencePlanner.Simulation.Tests.Engine;

public sealed class RunControlTests
{
    [Fact]
    public void Overload_IsReported_NotSimulated()
    {
        var model = SimulationModel.Compile(Scenarios.SinglePool(5.0, 4, queries: 1_000_000_000));

        var result = SimulationRunner.Run(model);

        Assert.False(result.Stable);
        Assert.Equal(4.0, result.CapacityPerSecond!.Value, 9);
        Assert.Equal(5.0, result.OfferedLoadPerSecond!.Value, 9);
        Assert.Contains("'pool'", result.Reason, StringComparison.Ordinal);
        Assert.Equal(0, result.Events);
    }

    [Fact]
    public void Overload_OfABatchedPool_CountsFullBatches()
    {
        // 2 servers × batches of 8 / 100 ms = 160 queries/s at most.
        var scenario = Scenarios.SinglePool(170, 2, Scenarios.Deterministic(100), maxBatch: 8, maxWaitMs: 10);

        var result = SimulationRunner.Run(SimulationModel.Compile(scenario));

        Assert.False(result.Stable);
        Assert.Equal(160, result.CapacityPerSecond!.Value, 9);
    }

    [Fact]
    public void Overload_WithABoundedQueue_RunsAndRejects()
    {
        var result = SimulationRunner.Run(SimulationModel.Compile(Scenarios.SinglePool(5.0, 4, maxQueueLength: 10, queries: 50_000, warmup: 5_000)));

        Assert.True(result.Stable);
        Assert.True(result.RejectionProbability > 0.15, $"rejection {result.RejectionProbability}");
    }

    [Fact]
    public void EventBound_StopsTheRun_AndSaysSo()
    {
        var scenario = Scenarios.SinglePool(0.5, 1, queries: 1_000_000) with { MaxEvents = 100_000 };

        var result = SimulationRunner.Run(SimulationModel.Compile(scenario));

        Assert.False(result.Stable);
        Assert.Contains("maxEvents", result.Reason, StringComparison.Ordinal);
        Assert.InRange(result.Events, 100_000, 100_001);
    }

    [Fact]
    public void Progress_RisesToOne_AndCancellationStopsTheRun()
    {
        var model = SimulationModel.Compile(Scenarios.SinglePool(0.8, 1, queries: 2_000_000));
        var reports = new List<double>();
        SimulationRunner.Run(model, new SimulationOptions { Replications = 2, MaxDegreeOfParallelism = 1, Progress = new SyncProgress(p => reports.Add(p.Fraction)) });

        Assert.True(reports.Count > 10, $"{reports.Count} progress reports");
        Assert.Equal(1.0, reports[^1], 9);
        Assert.Equal(reports.Order(), reports);

        using var cancel = new CancellationTokenSource();
        var progress = new SyncProgress(p =>
        {
            if (p.Fraction > 0.1)
            {
                cancel.Cancel();
            }
        });
        Assert.ThrowsAny<OperationCanceledException>(() =>
            SimulationRunner.Run(model, new SimulationOptions { Progress = progress }, cancel.Token));
    }

    [Fact]
    public void SecondsHorizon_MeasuresTheWindowAfterWarmup()
    {
        var scenario = Scenarios.SinglePool(2, 4) with { Horizon = new Horizon { Seconds = 50_000, WarmupSeconds = 1_000 } };

        var result = SimulationRunner.Run(SimulationModel.Compile(scenario));

        Assert.Equal(50_000, result.SimulatedSeconds, 9);
        // Poisson count over the window: mean 100,000, sd 316.
        Assert.InRange(result.Arrivals, 100_000 - (3.29 * 316), 100_000 + (3.29 * 316));
    }

    [Fact]
    public void TimeSeries_AddsUpToTheWholeWindow()
    {
        var scenario = Scenarios.SinglePool(2, 4) with { Horizon = new Horizon { Seconds = 10_000, WarmupSeconds = 500 }, TimeSeriesIntervalSeconds = 1_000 };

        var result = SimulationRunner.Run(SimulationModel.Compile(scenario));
        var series = result.TimeSeries!;

        Assert.Equal(10, series.StartSeconds.Count);
        Assert.Equal(result.Arrivals, series.ArrivalsPerSecond.Sum(r => r * 1_000), 6);
        Assert.Equal(result.Utilization, series.Utilization.Average(), 9);
        Assert.Equal(result.MeanQueueLength, series.MeanQueueLength.Average(), 9);
    }

    [Fact]
    public void AnEventKindWithoutAHandler_Throws_InsteadOfEndingTheMeasurement()
    {
        var simulator = new FleetSimulator(SimulationModel.Compile(Scenarios.SinglePool(0.5, 1, queries: 1_000)), 0);
        simulator.Schedule(10, (EventKind)15);

        var ex = Assert.Throws<InvalidOperationException>(() => simulator.Run());

        Assert.Contains("no handler", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GenerativeRequestsWaiting_CountTowardTheRunawayGuard()
    {
        // One TinyLlama replica offered 2,000 requests/s of 2,000-token prompts: the line grows by thousands a second.
        var catalog = Core.Catalog.CatalogLoader.Load(RepositoryPaths.Catalog);
        var tokens = new TokensSpec
        {
            Input = new TokenDistributionSpec { Distribution = "deterministic", Mean = 2000 },
            Output = new TokenDistributionSpec { Distribution = "deterministic", Mean = 100 },
        };
        var scenario = new Scenario
        {
            Seed = 1,
            Horizon = new Horizon { Queries = 400_000 },
            Workload = new Core.Scenarios.Workload { Arrivals = new ArrivalSpec { Kind = "poisson", RatePerSecond = 2000 }, Tokens = tokens },
            Pools = [new PoolSpec { Name = "llm", Device = "nvidia-l4", Count = 1, Llm = new LlmSpec { Model = "tinyllama-1.1b", Precision = "fp16" } }],
        };
        // The check before the run refuses this load at once; the guard is what stops a run it cannot foresee.
        var model = SimulationModel.Compile(scenario, catalog).WithMaxWaitingQueries(10_000).WithoutCheckBeforeRun();

        var result = SimulationRunner.Run(model);

        Assert.False(result.Stable);
        Assert.Equal("more than 10,000 queries were waiting: the offered load outruns the fleet", result.Reason);
        Assert.True(result.Arrivals < 400_000, "the run stopped before its horizon");
    }

    [Fact]
    public void TimeSeries_WorkRunningWhenTheWindowOpens_IsCountedFromItsFirstBucket()
    {
        // One query at 0 served for 100 s; the window opens at 50 s: the server is busy in the first five 10-s buckets.
        using var trace = TraceFile.Write([0]);
        var scenario = Scenarios.SinglePool(1, 1, Scenarios.Deterministic(100_000)) with
        {
            Horizon = new Horizon { WarmupSeconds = 50, Seconds = 100 },
            Workload = new Core.Scenarios.Workload { Arrivals = new ArrivalSpec { Kind = "trace", Path = trace.Path } },
            TimeSeriesIntervalSeconds = 10,
        };

        var series = SimulationRunner.Run(SimulationModel.Compile(scenario)).TimeSeries!;

        Assert.Equal([1.0, 1, 1, 1, 1, 0, 0, 0, 0, 0], series.Utilization);
    }

    private sealed class SyncProgress(Action<SimulationProgress> report) : IProgress<SimulationProgress>
    {
        public void Report(SimulationProgress value) => report(value);
    }
}
