namespace InferencePlanner.Core.Analytics;

/// <summary>
/// M/M/1+D: one exponential server, FIFO, and every query gives up if its wait would exceed a fixed
/// patience τ. By level crossing on the virtual waiting time V: P(V = 0) = p₀, density λp₀e^{−(μ−λ)v} on
/// (0, τ] and λp₀e^{−(μ−λ)τ}e^{−μ(v−τ)} beyond; a query abandons when V &gt; τ. Holds for any load, since
/// abandonment keeps the queue finite.
/// </summary>
public sealed record ImpatientQueue
{
    public ImpatientQueue(double arrivalRate, double serviceRate, double patience)
    {
        if (!(arrivalRate > 0) || !(serviceRate > 0) || !(patience > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(arrivalRate), "rates and patience must be positive");
        }

        ArrivalRate = arrivalRate;
        ServiceRate = serviceRate;
        Patience = patience;
        var decay = serviceRate - arrivalRate;
        var lower = Math.Abs(decay) < 1e-12 ? patience : (1 - Math.Exp(-decay * patience)) / decay;
        var tail = Math.Exp(-decay * patience) / serviceRate;
        ProbabilityEmpty = 1 / (1 + (arrivalRate * lower) + (arrivalRate * tail));
        AbandonmentProbability = ProbabilityEmpty * arrivalRate * tail;
    }

    public double ArrivalRate { get; }
    public double ServiceRate { get; }
    public double Patience { get; }

    /// <summary>P(V = 0): the server is idle.</summary>
    public double ProbabilityEmpty { get; }

    /// <summary>The share of arrivals that give up (PASTA: P(V &gt; τ)).</summary>
    public double AbandonmentProbability { get; }

    /// <summary>Utilization: the served load, λ(1 − P(abandon))/μ, which also equals 1 − p₀.</summary>
    public double Utilization => 1 - ProbabilityEmpty;
}
