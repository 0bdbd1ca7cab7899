using InferencePlanner.Core.Analytics;

namespace InferencePlanner.Simulation.Tests.Queueing;

public sealed class LossAndBulkTests
{
    private const int Replications = 10;

    [Fact]
    public void Simulate_Mm4WithRoomForFour_RejectsAsMmcK()
    {
        var exact = new FiniteQueue(3.2, 1.0, servers: 4, waitingRoom: 4);
        Assert.Equal(0.060728, exact.RejectionProbability, 6);

        var runs = Scenarios.Replicate(Scenarios.SinglePool(3.2, 4, maxQueueLength: 4), Replications);

        Tolerance.AssertMatches(exact.RejectionProbability, runs.Select(r => r.RejectionProbability).ToList(), "rejection");
        Tolerance.AssertMatches(exact.MeanWait * 1000, runs.Select(r => r.WaitMs.Mean).ToList(), "mean wait of admitted (ms)");
        Tolerance.AssertMatches(exact.Utilization, runs.Select(r => r.Utilization).ToList(), "utilization");
    }

    [Fact]
    public void Simulate_SixteenServersNoWaitingRoom_RejectsAsErlangB()
    {
        var exact = ErlangFormulas.ErlangB(16, 14.4);
        Assert.Equal(0.126412, exact, 6);

        var runs = Scenarios.Replicate(Scenarios.SinglePool(14.4, 16, maxQueueLength: 0), Replications);

        Tolerance.AssertMatches(exact, runs.Select(r => r.RejectionProbability).ToList(), "Erlang B rejection");
        Assert.All(runs, r => Assert.Equal(0, r.WaitMs.Max));
    }

    [Fact]
    public void Simulate_ErlangB_IsInsensitiveToTheServiceDistribution()
    {
        // The loss formula depends on the service only through its mean.
        var exact = ErlangFormulas.ErlangB(16, 14.4);
        var runs = Scenarios.Replicate(Scenarios.SinglePool(14.4, 16, Scenarios.Lognormal(1000, 3), maxQueueLength: 0), Replications);

        Tolerance.AssertMatches(exact, runs.Select(r => r.RejectionProbability).ToList(), "Erlang B rejection, lognormal service");
    }

    [Fact]
    public void Simulate_GreedyBulkService_MatchesMMb1()
    {
        var exact = new BulkServiceQueue(3.2, 1.0, 4);
        Assert.Equal(3.180619, exact.MeanWait, 6);
        Assert.Equal(3.2873, exact.MeanBatchSize, 4);

        var runs = Scenarios.Replicate(Scenarios.SinglePool(3.2, 1, maxBatch: 4, maxWaitMs: 0, queries: 400_000, warmup: 40_000), Replications);

        Tolerance.AssertMatches(exact.MeanWait * 1000, runs.Select(r => r.WaitMs.Mean).ToList(), "bulk mean wait (ms)");
        Tolerance.AssertMatches(exact.MeanBatchSize, runs.Select(r => r.MeanBatchSize).ToList(), "mean batch size");
        Tolerance.AssertMatches(exact.Utilization, runs.Select(r => r.Utilization).ToList(), "utilization");
    }
}
