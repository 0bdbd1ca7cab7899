using MathNet.Numerics.RootFinding;

namespace InferencePlanner.Core.Analytics;

/// <summary>
/// Greedy bulk service M/M^[b]/1: one server that, whenever free and queries wait, takes up to b of them at
/// once (an idle server starts at once with the single arrival); a batch's service is Exp(μ) whatever its
/// size. With Q_n the probability that the server is busy with n waiting, Q_n = A·rⁿ where r is the root in
/// (0, 1) of μz^(b+1) − (λ+μ)z + λ = 0; P(idle) = μA/λ, and A follows from normalisation.
/// </summary>
public sealed record BulkServiceQueue
{
    public BulkServiceQueue(double arrivalRate, double serviceRate, int maxBatch)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBatch);
        if (!(arrivalRate > 0) || !(serviceRate > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(arrivalRate), "rates must be positive");
        }

        if (arrivalRate >= maxBatch * serviceRate)
        {
            throw new ArgumentOutOfRangeException(nameof(arrivalRate), arrivalRate, $"λ must be below bμ = {maxBatch * serviceRate} for a stable queue");
        }

        ArrivalRate = arrivalRate;
        ServiceRate = serviceRate;
        MaxBatch = maxBatch;

        double Characteristic(double z) => (serviceRate * Math.Pow(z, maxBatch + 1)) - ((arrivalRate + serviceRate) * z) + arrivalRate;

        // The polynomial is positive at 0, falls to its minimum at z*, and is zero at 1: the root sits in (0, z*).
        var zMin = Math.Pow((arrivalRate + serviceRate) / (serviceRate * (maxBatch + 1)), 1.0 / maxBatch);
        Root = Bisection.FindRoot(Characteristic, 0, zMin, 1e-15, 1000);
        A = 1 / ((serviceRate / arrivalRate) + (1 / (1 - Root)));
    }

    public double ArrivalRate { get; }
    public double ServiceRate { get; }
    public int MaxBatch { get; }

    /// <summary>r, the geometric decay of the number waiting while the server is busy.</summary>
    public double Root { get; }

    private double A { get; }

    public double ProbabilityIdle => ServiceRate * A / ArrivalRate;

    /// <summary>Busy fraction of the server.</summary>
    public double Utilization => 1 - ProbabilityIdle;

    public double MeanQueueLength => A * Root / ((1 - Root) * (1 - Root));

    public double MeanWait => MeanQueueLength / ArrivalRate;

    /// <summary>Mean size of a batch: throughput over the rate at which batches start.</summary>
    public double MeanBatchSize
    {
        get
        {
            var batchesStarted = (ArrivalRate * ProbabilityIdle) + (ServiceRate * A * Root / (1 - Root));
            return ArrivalRate / batchesStarted;
        }
    }
}
