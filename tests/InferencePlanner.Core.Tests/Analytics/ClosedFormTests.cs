using InferencePlanner.Core.Analytics;

namespace InferencePlanner.Core.Tests.Analytics;

/// <summary>The closed forms against published values and against each other where they coincide.</summary>
public sealed class ClosedFormTests
{
    [Theory]
    [InlineData(16, 14.4, 0.126412)]
    [InlineData(1, 1.0, 0.5)]
    [InlineData(2, 1.0, 0.2)]
    public void ErlangB_MatchesKnownValues(int servers, double load, double expected)
    {
        Assert.Equal(expected, ErlangFormulas.ErlangB(servers, load), 6);
    }

    [Fact]
    public void ErlangB_LargeSystem_StaysFiniteAndBetweenZeroAndOne()
    {
        var b = ErlangFormulas.ErlangB(10_000, 9_800);

        Assert.InRange(b, 0, 1);
        Assert.True(double.IsFinite(b));
    }

    [Fact]
    public void Mm1_ReducesToTheTextbookForms()
    {
        var q = new MmcQueue(0.8, 1.0, 1);

        Assert.Equal(0.8, q.ProbabilityOfWait, 12);
        Assert.Equal(0.8 / (1 - 0.8), q.MeanWait, 12);
        Assert.Equal(1 / (1 - 0.8), q.MeanSojourn, 12);
        // The M/M/1 sojourn is Exp(μ − λ): its p99 is ln(100)/(μ − λ).
        Assert.Equal(Math.Log(100) / 0.2, q.SojournQuantile(0.99), 9);
    }

    [Theory]
    [InlineData(3.2, 4, 0.99)]
    [InlineData(3.2, 4, 0.5)]
    [InlineData(15, 16, 0.95)]
    [InlineData(3.0, 4, 0.999)]
    public void Mmc_QuantilesInvertTheTails(double lambda, int servers, double p)
    {
        var q = new MmcQueue(lambda, 1.0, servers);

        Assert.Equal(1 - p, q.SojournExceeds(q.SojournQuantile(p)), 9);
        if (p > 1 - q.ProbabilityOfWait)
        {
            Assert.Equal(1 - p, q.WaitExceeds(q.WaitQuantile(p)), 12);
        }
        else
        {
            Assert.Equal(0, q.WaitQuantile(p));
        }
    }

    [Fact]
    public void Mmc_SojournTail_WhenTheTwoRatesCoincide_IsErlangTwo()
    {
        // c = 2, λ = 1, μ = 1: cμ − λ = μ, the hypoexponential's limit case.
        var q = new MmcQueue(1.0, 1.0, 2);
        var t = 1.7;
        var nearby = new MmcQueue(1.0 - 1e-7, 1.0, 2);

        Assert.Equal(nearby.SojournExceeds(t), q.SojournExceeds(t), 6);
    }

    [Fact]
    public void FiniteQueue_WithNoWaitingRoom_IsErlangB()
    {
        var loss = new FiniteQueue(14.4, 1.0, servers: 16, waitingRoom: 0);

        Assert.Equal(ErlangFormulas.ErlangB(16, 14.4), loss.RejectionProbability, 12);
        Assert.Equal(0.060728, new FiniteQueue(3.2, 1.0, 4, 4).RejectionProbability, 6);
    }

    [Fact]
    public void FiniteQueue_WithAHugeWaitingRoom_ApproachesMmc()
    {
        var finite = new FiniteQueue(3.2, 1.0, servers: 4, waitingRoom: 5_000);
        var infinite = new MmcQueue(3.2, 1.0, 4);

        Assert.Equal(infinite.MeanWait, finite.MeanWait, 9);
        Assert.Equal(infinite.ProbabilityOfWait, finite.ProbabilityOfWait, 9);
    }

    [Fact]
    public void PollaczekKhinchine_WithExponentialService_IsMm1()
    {
        Assert.Equal(new MmcQueue(0.7, 1.0, 1).MeanWait, PollaczekKhinchine.MeanWait(0.7, 1.0, 1.0), 12);
        Assert.Equal(2.0, PollaczekKhinchine.MeanWait(0.8, 1.0, 0.0), 12);
    }

    [Fact]
    public void BulkService_WithBatchesOfOne_IsMm1()
    {
        var bulk = new BulkServiceQueue(0.8, 1.0, 1);
        var mm1 = new MmcQueue(0.8, 1.0, 1);

        Assert.Equal(mm1.MeanWait, bulk.MeanWait, 9);
        Assert.Equal(1.0, bulk.MeanBatchSize, 9);
        Assert.Equal(0.8, bulk.Utilization, 9);
    }

    [Fact]
    public void BulkService_MatchesThePublishedExample()
    {
        var bulk = new BulkServiceQueue(3.2, 1.0, 4);

        Assert.Equal(3.180619, bulk.MeanWait, 6);
        Assert.Equal(3.2873, bulk.MeanBatchSize, 4);
    }

    [Fact]
    public void ImpatientQueue_WithEndlessPatience_IsMm1()
    {
        var patient = new ImpatientQueue(0.8, 1.0, 1e6);

        Assert.Equal(0.2, patient.ProbabilityEmpty, 9);
        Assert.Equal(0, patient.AbandonmentProbability, 9);
    }

    [Fact]
    public void ImpatientQueue_Conserves_ServedLoadEqualsBusyFraction()
    {
        var q = new ImpatientQueue(1.5, 1.0, 3.0);

        Assert.Equal(1.5 * (1 - q.AbandonmentProbability), q.Utilization, 12);
    }

    [Theory]
    [InlineData(1.0, 1.0, 0)]
    [InlineData(4.0, 1.0, 4)]
    public void UnstableOrInvalid_Throws(double lambda, double mu, int servers)
    {
        Assert.ThrowsAny<ArgumentException>(() => new MmcQueue(lambda, mu, servers));
    }
}
