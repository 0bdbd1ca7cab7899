using InferencePlanner.Core.Analytics;
using InferencePlanner.Simulation.Metrics;

namespace InferencePlanner.Simulation.Tests.Queueing;

public sealed class MmcTests
{
    private const int Replications = 10;

    [Theory]
    [InlineData(0.8, 1)]
    [InlineData(0.5, 1)]
    [InlineData(3.2, 4)]
    [InlineData(12.0, 16)]
    public void Simulate_Mmc_MatchesErlangC(double lambda, int servers)
    {
        // Service mean 1 s (μ = 1): times in seconds equal times in service-time units.
        var exact = new MmcQueue(lambda, 1.0, servers);
        var runs = Scenarios.Replicate(Scenarios.SinglePool(lambda, servers), Replications);

        Tolerance.AssertMatches(exact.ProbabilityOfWait, runs.Select(r => r.ProbabilityOfWait).ToList(), "P(wait)");
        Tolerance.AssertMatches(exact.MeanWait * 1000, runs.Select(r => r.WaitMs.Mean).ToList(), "mean wait (ms)");
        Tolerance.AssertMatches(exact.MeanSojourn * 1000, runs.Select(r => r.LatencyMs.Mean).ToList(), "mean latency (ms)");
        Tolerance.AssertMatches(exact.WaitQuantile(0.99) * 1000, runs.Select(r => r.WaitMs.P99).ToList(), "p99 wait (ms)",
            exact.WaitQuantile(0.99) * 1000 * LatencyHistogram.RelativeResolution);
        Tolerance.AssertMatches(exact.SojournQuantile(0.99) * 1000, runs.Select(r => r.LatencyMs.P99).ToList(), "p99 latency (ms)",
            exact.SojournQuantile(0.99) * 1000 * LatencyHistogram.RelativeResolution);
        Tolerance.AssertMatches(exact.Utilization, runs.Select(r => r.Utilization).ToList(), "utilization");
        Tolerance.AssertMatches(exact.MeanQueueLength, runs.Select(r => r.MeanQueueLength).ToList(), "time-averaged queue length");
    }

    [Fact]
    public void ErlangC_Mm4AtRho08_IsTheTabulatedValue()
    {
        var exact = new MmcQueue(3.2, 1.0, 4);

        Assert.Equal(0.596432, exact.ProbabilityOfWait, 6);
        Assert.Equal(0.745541, exact.MeanWait, 6);
    }
}
