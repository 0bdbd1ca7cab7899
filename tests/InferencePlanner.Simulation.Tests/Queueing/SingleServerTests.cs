using InferencePlanner.Core.Analytics;
using InferencePlanner.Core.Scenarios;

namespace InferencePlanner.Simulation.Tests.Queueing;

public sealed class SingleServerTests
{
    private const int Replications = 10;

    public static TheoryData<string, ServiceSpec, double> Services => new()
    {
        // name, service (mean 1 s), scv
        { "M/D/1", Scenarios.Deterministic(1000), 0 },
        { "M/E4/1", Scenarios.Erlang(1000, 4), 0.25 },
        { "M/M/1", Scenarios.Exponential(1000), 1 },
        { "M/H2/1 (scv 4)", Scenarios.Hyper(1000, 4), 4 },
        { "M/LN/1 (scv 2)", Scenarios.Lognormal(1000, 2), 2 },
    };

    [Theory]
    [MemberData(nameof(Services))]
    public void Simulate_MG1AtRho07_MatchesPollaczekKhinchine(string name, ServiceSpec service, double scv)
    {
        const double lambda = 0.7;
        var exact = PollaczekKhinchine.MeanWait(lambda, 1.0, scv);
        var runs = Scenarios.Replicate(Scenarios.SinglePool(lambda, 1, service, queries: 300_000, warmup: 30_000), Replications);

        Tolerance.AssertMatches(exact * 1000, runs.Select(r => r.WaitMs.Mean).ToList(), $"{name} mean wait (ms)");
        Tolerance.AssertMatches(lambda, runs.Select(r => r.ProbabilityOfWait).ToList(), $"{name} P(wait) = ρ");
        Tolerance.AssertMatches(lambda, runs.Select(r => r.Utilization).ToList(), $"{name} utilization");
    }

    [Fact]
    public void Simulate_MD1AtRho08_MeanWaitIsTwoServiceTimes()
    {
        Assert.Equal(2.0, PollaczekKhinchine.MeanWait(0.8, 1.0, 0), 12);
        var runs = Scenarios.Replicate(Scenarios.SinglePool(0.8, 1, Scenarios.Deterministic(1000), queries: 400_000, warmup: 40_000), Replications);

        Tolerance.AssertMatches(2000, runs.Select(r => r.WaitMs.Mean).ToList(), "M/D/1 mean wait (ms)");
    }

    [Theory]
    [InlineData(0.5, 2.0)]
    [InlineData(0.9, 1.0)]
    [InlineData(1.5, 3.0)]
    public void Simulate_MM1WithDeterministicPatience_AbandonsAsLevelCrossingPredicts(double lambda, double patienceSeconds)
    {
        var exact = new ImpatientQueue(lambda, 1.0, patienceSeconds);
        var runs = Scenarios.Replicate(Scenarios.SinglePool(lambda, 1, timeoutMs: patienceSeconds * 1000), Replications);

        Tolerance.AssertMatches(exact.AbandonmentProbability, runs.Select(r => r.AbandonmentProbability).ToList(), "P(abandon)");
        Tolerance.AssertMatches(exact.Utilization, runs.Select(r => r.Utilization).ToList(), "utilization");
        Assert.All(runs, r => Assert.True(r.WaitMs.Max <= (patienceSeconds * 1000) + 1e-6, $"a served query waited {r.WaitMs.Max} ms"));
    }
}
