namespace InferencePlanner.Core.Analytics;

/// <summary>
/// M/G/1, Pollaczek–Khinchine: the mean wait with Poisson arrivals at rate λ and a service time of mean
/// E[S] and squared coefficient of variation scv is Wq = ρ·E[S]·(1 + scv) / (2(1 − ρ)), ρ = λE[S].
/// </summary>
public static class PollaczekKhinchine
{
    public static double MeanWait(double arrivalRate, double meanService, double scv)
    {
        var rho = arrivalRate * meanService;
        if (!(rho >= 0 && rho < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(arrivalRate), rho, "ρ = λ·E[S] must be in [0, 1)");
        }

        if (!(scv >= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(scv), scv, "must be ≥ 0");
        }

        return rho * meanService * (1 + scv) / (2 * (1 - rho));
    }

    /// <summary>The mean sojourn Wq + E[S].</summary>
    public static double MeanSojourn(double arrivalRate, double meanService, double scv) =>
        MeanWait(arrivalRate, meanService, scv) + meanService;

    /// <summary>M/G/1's probability of waiting is ρ (PASTA: the server is busy a fraction ρ of the time).</summary>
    public static double ProbabilityOfWait(double arrivalRate, double meanService) => arrivalRate * meanService;
}
