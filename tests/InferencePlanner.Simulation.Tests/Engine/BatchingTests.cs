using InferencePlanner.Core.Scenarios;
using InferencePlanner.Simulation.Engine;
using InferencePlanner.Simulation.Metrics;

namespace InferencePlanner.Simulation.Tests.Engine;

/// <summary>The batching rules of the scenario format, checked on hand-made arrival times.</summary>
public sealed class BatchingTests
{
    private static List<QueryRecord> Run(double[] arrivals, int servers, int maxBatch, double maxWaitMs, ServiceSpec service)
    {
        using var trace = TraceFile.Write(arrivals);
        var scenario = new Scenario
        {
            Seed = 1,
            Horizon = new Horizon { Queries = arrivals.Length },
            Workload = new Core.Scenarios.Workload { Arrivals = new ArrivalSpec { Kind = "trace", Path = trace.Path } },
            Pools = [new PoolSpec { Name = "p", Count = servers, Service = service, Batching = new BatchingSpec { MaxBatch = maxBatch, MaxWaitMs = maxWaitMs } }],
        };
        var records = new List<QueryRecord>();
        SimulationRunner.RunReplication(SimulationModel.Compile(scenario), 0, records.Add);
        return records.OrderBy(r => r.Index).ToList();
    }

    private static readonly ServiceSpec Fixed100 = Scenarios.Deterministic(100);

    [Fact]
    public void LoneQuery_WaitsMaxWait_ThenStartsAlone()
    {
        var q = Assert.Single(Run([0], 1, 4, 5, Fixed100));

        Assert.Equal(0.005, q.WaitSeconds, 12);
        Assert.Equal(1, q.BatchSize);
        Assert.Equal(0.105, q.LatencySeconds, 12);
    }

    [Fact]
    public void FullBatch_StartsWhenTheLastMemberArrives()
    {
        var records = Run([0, 0.001, 0.002, 0.003], 1, 4, 50, Fixed100);

        Assert.All(records, r => Assert.Equal(4, r.BatchSize));
        Assert.Equal([0.003, 0.002, 0.001, 0], records.Select(r => Math.Round(r.WaitSeconds, 9)));
    }

    [Fact]
    public void GreedyBatching_StartsAtOnceWithWhatIsThere()
    {
        // maxWaitMs = 0: the first query starts alone; the next three queue behind it and leave together.
        var records = Run([0, 0.01, 0.02, 0.03], 1, 4, 0, Fixed100);

        Assert.Equal([1, 3, 3, 3], records.Select(r => r.BatchSize));
        Assert.Equal(0, records[0].WaitSeconds);
        Assert.Equal(0.1 - 0.01, records[1].WaitSeconds, 12);
    }

    [Fact]
    public void MaxBatch_CapsTheBatch_AndTheRestWaitForTheNextServer()
    {
        var records = Run([0, 0, 0, 0, 0, 0], 1, 4, 0, Fixed100);

        Assert.Equal([1, 4, 4, 4, 4, 1], records.Select(r => r.BatchSize));
        Assert.Equal(0.2, records[5].WaitSeconds, 12);
    }

    [Fact]
    public void Profile_ServiceGrowsWithBatchSize_AsAlphaPlusBetaB()
    {
        var profile = new ServiceSpec { Profile = new ProfileSpec { AlphaMs = 10, BetaMs = 2.5 } };
        var records = Run([0, 0, 0, 1], 1, 3, 0, profile);

        // First alone (10 + 2.5 ms), then two together (10 + 5 ms), then the late one alone.
        Assert.Equal(0.0125, records[0].LatencySeconds, 12);
        Assert.Equal(0.0125 + 0.015, records[1].LatencySeconds, 12);
        Assert.Equal(0.0125, records[3].LatencySeconds, 12);
    }

    [Fact]
    public void Profile_MeasuredPoints_AreInterpolatedAndExtrapolated()
    {
        var profile = new ProfileSpec { Points = [new ProfilePoint(1, 10), new ProfilePoint(4, 16), new ProfilePoint(8, 20)] };

        Assert.Equal(10, Fleet.ServiceTimeModel.ProfileLatencyMs(profile, 1), 12);
        Assert.Equal(14, Fleet.ServiceTimeModel.ProfileLatencyMs(profile, 3), 12);
        Assert.Equal(19, Fleet.ServiceTimeModel.ProfileLatencyMs(profile, 7), 12);
        Assert.Equal(24, Fleet.ServiceTimeModel.ProfileLatencyMs(profile, 12), 12);
    }

    [Fact]
    public void BatchTimer_FollowsTheOldestWaitingQuery()
    {
        // Two servers, one busy until 100 ms. A query at 10 ms waits for batch-mates until 15 ms;
        // the next at 12 ms joins it; both leave at 15 ms on the free server.
        var records = Run([0, 0.010, 0.012], 2, 4, 5, Fixed100);

        Assert.Equal(0.005, records[0].WaitSeconds, 12); // the first also waited its 5 ms alone
        Assert.Equal(0.005, records[1].WaitSeconds, 12);
        Assert.Equal(0.003, records[2].WaitSeconds, 12);
        Assert.Equal(2, records[1].BatchSize);
    }
}
