using InferencePlanner.Core.Scenarios;
using InferencePlanner.Simulation.Kernel;

namespace InferencePlanner.Simulation.Fleet;

/// <summary>
/// The time one batch takes on one server, in seconds: a distribution whose mean does not depend on the batch
/// size, or a profile (latency by batch size, with a mean-one lognormal jitter). One sealed type per kind, so that
/// the hot path's call is devirtualized and inlined by profile-guided compilation.
/// </summary>
public abstract class ServiceTimeModel
{
    private ServiceTimeModel(double scv) => Scv = scv;

    /// <summary>Squared coefficient of variation of one batch's time (of the jitter, for a profile).</summary>
    public double Scv { get; }

    /// <summary>Whether the mean time of a batch grows with its size (a profile).</summary>
    public virtual bool DependsOnBatchSize => false;

    public static ServiceTimeModel Create(ServiceSpec spec, int maxBatch)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.Profile is { } profile)
        {
            var means = new double[maxBatch + 1];
            for (var b = 1; b <= maxBatch; b++)
            {
                means[b] = ProfileLatencyMs(profile, b) / 1000.0;
            }

            means[0] = means[1];
            return new ProfileTime(means, profile.JitterScv ?? 0);
        }

        var mean = spec.MeanMs!.Value / 1000.0;
        return spec.Distribution switch
        {
            ScenarioNames.Exponential => new ExponentialTime(mean),
            ScenarioNames.Deterministic => new DeterministicTime(mean),
            ScenarioNames.Erlang => new ErlangTime(mean, spec.Shape!.Value),
            ScenarioNames.Hyperexponential => new HyperexponentialTime(mean, spec.Scv!.Value),
            ScenarioNames.Lognormal => new LognormalTime(mean, spec.Scv!.Value),
            _ => throw new ScenarioException("$.pools[].service.distribution", $"'{spec.Distribution}' is not a distribution"),
        };
    }

    /// <summary>Service times taken in turn from a list (seconds), for exact checks against recursions.</summary>
    internal static ServiceTimeModel Replay(double[] secondsInOrder) => new ReplayedTime(secondsInOrder);

    /// <summary>The profile's latency for a batch of <paramref name="batch"/>, ms, before jitter.</summary>
    public static double ProfileLatencyMs(ProfileSpec profile, int batch)
    {
        ArgumentNullException.ThrowIfNull(profile);
        if (profile.Points is not { Count: > 0 } points)
        {
            return profile.AlphaMs!.Value + (profile.BetaMs!.Value * batch);
        }

        if (points.Count == 1)
        {
            return points[0].LatencyMs;
        }

        // Linear between measured points; beyond them, the nearest segment's slope (never below 1 % of the nearest point).
        var i = 1;
        while (i < points.Count - 1 && points[i].Batch < batch)
        {
            i++;
        }

        var (b0, l0) = (points[i - 1].Batch, points[i - 1].LatencyMs);
        var (b1, l1) = (points[i].Batch, points[i].LatencyMs);
        var latency = l0 + ((l1 - l0) * (batch - b0) / (b1 - b0));
        var nearest = batch <= b0 ? l0 : l1;
        return Math.Max(latency, 0.01 * nearest);
    }

    /// <summary>
    /// Queries per second one server serves at most, batches of up to <paramref name="maxBatch"/> back to back: the
    /// best of b / mean(b) over the sizes it may run (only the largest when the mean does not grow with the size).
    /// </summary>
    public double CapacityPerSecond(int maxBatch)
    {
        var best = 0.0;
        for (var b = DependsOnBatchSize ? 1 : maxBatch; b <= maxBatch; b++)
        {
            best = Math.Max(best, b / Mean(b));
        }

        return best;
    }

    /// <summary>The mean time of a batch of <paramref name="batch"/>, seconds.</summary>
    public abstract double Mean(int batch);

    /// <summary>Draws one batch's time, seconds.</summary>
    public abstract double Sample(int batch, RandomSequence random);

    private sealed class ExponentialTime(double mean) : ServiceTimeModel(1)
    {
        public override double Mean(int batch) => mean;

        public override double Sample(int batch, RandomSequence random) => random.Exponential(mean);
    }

    private sealed class DeterministicTime(double mean) : ServiceTimeModel(0)
    {
        public override double Mean(int batch) => mean;

        public override double Sample(int batch, RandomSequence random) => mean;
    }

    private sealed class ErlangTime(double mean, int shape) : ServiceTimeModel(1.0 / shape)
    {
        public override double Mean(int batch) => mean;

        public override double Sample(int batch, RandomSequence random)
        {
            var sum = 0.0;
            for (var k = 0; k < shape; k++)
            {
                sum -= Math.Log(random.NextOpenDouble());
            }

            return sum * mean / shape;
        }
    }

    /// <summary>Two exponential branches with balanced means (p₁/μ₁ = p₂/μ₂), which fixes them from the mean and the scv.</summary>
    private sealed class HyperexponentialTime : ServiceTimeModel
    {
        private readonly double _mean;
        private readonly double _p1;
        private readonly double _mean1;
        private readonly double _mean2;

        public HyperexponentialTime(double mean, double scv)
            : base(scv)
        {
            _mean = mean;
            _p1 = 0.5 * (1 + Math.Sqrt((scv - 1) / (scv + 1)));
            _mean1 = mean / (2 * _p1);
            _mean2 = mean / (2 * (1 - _p1));
        }

        public override double Mean(int batch) => _mean;

        public override double Sample(int batch, RandomSequence random) =>
            random.NextDouble() < _p1 ? random.Exponential(_mean1) : random.Exponential(_mean2);
    }

    private sealed class LognormalTime : ServiceTimeModel
    {
        private readonly double _mean;
        private readonly double _logMu;
        private readonly double _logSigma;

        public LognormalTime(double mean, double scv)
            : base(scv)
        {
            _mean = mean;
            _logSigma = Math.Sqrt(Math.Log(1 + scv));
            _logMu = Math.Log(mean) - (0.5 * _logSigma * _logSigma);
        }

        public override double Mean(int batch) => _mean;

        public override double Sample(int batch, RandomSequence random) => Math.Exp(_logMu + (_logSigma * random.StandardNormal()));
    }

    /// <summary>Latency by batch size, times a mean-one lognormal jitter of the profile's scv.</summary>
    private sealed class ProfileTime : ServiceTimeModel
    {
        private readonly double[] _meanByBatch;
        private readonly double _logMu;
        private readonly double _logSigma;

        public ProfileTime(double[] meanByBatch, double jitterScv)
            : base(jitterScv)
        {
            _meanByBatch = meanByBatch;
            if (jitterScv > 0)
            {
                _logSigma = Math.Sqrt(Math.Log(1 + jitterScv));
                _logMu = -0.5 * _logSigma * _logSigma;
            }
        }

        public override bool DependsOnBatchSize => true;

        public override double Mean(int batch) => _meanByBatch[Math.Min(batch, _meanByBatch.Length - 1)];

        public override double Sample(int batch, RandomSequence random)
        {
            var mean = Mean(batch);
            return _logSigma > 0 ? mean * Math.Exp(_logMu + (_logSigma * random.StandardNormal())) : mean;
        }
    }

    private sealed class ReplayedTime(double[] secondsInOrder) : ServiceTimeModel(0)
    {
        private readonly double _mean = secondsInOrder.Average();
        private int _next;

        public override double Mean(int batch) => _mean;

        public override double Sample(int batch, RandomSequence random) => secondsInOrder[_next++ % secondsInOrder.Length];
    }
}
