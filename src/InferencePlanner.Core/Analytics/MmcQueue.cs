using MathNet.Numerics.RootFinding;

namespace InferencePlanner.Core.Analytics;

/// <summary>
/// M/M/c: Poisson arrivals at rate λ, exponential service at rate μ per server, c servers, FIFO, unbounded
/// queue. Times are in the unit of 1/λ. The wait is Exp(cμ − λ) with probability C (Erlang C), else zero;
/// the sojourn is the wait plus an independent Exp(μ) service.
/// </summary>
public sealed record MmcQueue
{
    public MmcQueue(double arrivalRate, double serviceRate, int servers)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(servers);
        if (!(arrivalRate > 0) || !(serviceRate > 0) || double.IsInfinity(arrivalRate) || double.IsInfinity(serviceRate))
        {
            throw new ArgumentOutOfRangeException(nameof(arrivalRate), "rates must be finite and positive");
        }

        if (arrivalRate >= servers * serviceRate)
        {
            throw new ArgumentOutOfRangeException(nameof(arrivalRate), arrivalRate, $"λ must be below cμ = {servers * serviceRate} for a stable queue");
        }

        ArrivalRate = arrivalRate;
        ServiceRate = serviceRate;
        Servers = servers;
        ProbabilityOfWait = ErlangFormulas.ErlangC(servers, OfferedLoad);
    }

    public double ArrivalRate { get; }
    public double ServiceRate { get; }
    public int Servers { get; }

    /// <summary>a = λ/μ, erlangs.</summary>
    public double OfferedLoad => ArrivalRate / ServiceRate;

    /// <summary>ρ = λ/(cμ).</summary>
    public double Utilization => ArrivalRate / (Servers * ServiceRate);

    /// <summary>Erlang C.</summary>
    public double ProbabilityOfWait { get; }

    /// <summary>The rate of the wait's exponential tail, cμ − λ.</summary>
    public double WaitDecayRate => (Servers * ServiceRate) - ArrivalRate;

    public double MeanWait => ProbabilityOfWait / WaitDecayRate;
    public double MeanSojourn => MeanWait + (1 / ServiceRate);
    public double MeanQueueLength => ArrivalRate * MeanWait;
    public double MeanInSystem => ArrivalRate * MeanSojourn;

    /// <summary>P(W &gt; t) = C·e^{−(cμ−λ)t}.</summary>
    public double WaitExceeds(double t) => t < 0 ? 1 : ProbabilityOfWait * Math.Exp(-WaitDecayRate * t);

    /// <summary>P(T &gt; t) for the sojourn T = W + S.</summary>
    public double SojournExceeds(double t)
    {
        if (t < 0)
        {
            return 1;
        }

        var mu = ServiceRate;
        var theta = WaitDecayRate;
        // P(E_θ + E_μ > t): hypoexponential, or Erlang-2 when the rates coincide.
        var both = Math.Abs(theta - mu) < 1e-12 * mu
            ? (1 + (mu * t)) * Math.Exp(-mu * t)
            : ((theta * Math.Exp(-mu * t)) - (mu * Math.Exp(-theta * t))) / (theta - mu);
        return ((1 - ProbabilityOfWait) * Math.Exp(-mu * t)) + (ProbabilityOfWait * both);
    }

    /// <summary>The p-quantile of the wait (p in (0, 1)): zero when p ≤ 1 − C, else ln(C/(1−p)) / (cμ−λ).</summary>
    public double WaitQuantile(double p)
    {
        CheckProbability(p);
        return p <= 1 - ProbabilityOfWait ? 0 : Math.Log(ProbabilityOfWait / (1 - p)) / WaitDecayRate;
    }

    /// <summary>The p-quantile of the sojourn, by root finding on <see cref="SojournExceeds"/>.</summary>
    public double SojournQuantile(double p)
    {
        CheckProbability(p);
        var upper = 1 / ServiceRate;
        while (SojournExceeds(upper) > 1 - p)
        {
            upper *= 2;
        }

        return Bisection.FindRoot(t => SojournExceeds(t) - (1 - p), 0, upper, 1e-12 * upper, 500);
    }

    private static void CheckProbability(double p)
    {
        if (!(p > 0 && p < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(p), p, "must be in (0, 1)");
        }
    }
}
