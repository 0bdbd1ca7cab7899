using InferencePlanner.Core.Scenarios;
using InferencePlanner.Simulation.Kernel;

namespace InferencePlanner.Simulation.Fleet;

/// <summary>
/// The time one batch takes on one server, in seconds: a distribution whose mean does not depend on the batch
/// size, or a profile (latency by batch size, with a mean-one lognormal jitter).
/// </summary>
public sealed class ServiceTimeModel
{
    private readonly Kind _kind;
    private readonly double _mean;
    private readonly int _shape;
    private readonly double _p1;
    private readonly double _mean1;
    private readonly double _mean2;
    private readonly double _logMu;
    private readonly double _logSigma;
    private readonly double[] _meanByBatch;
    private readonly double[]? _replay;
    private int _replayNext;

    private ServiceTimeModel(Kind kind, double mean, double scv, int shape, double[] meanByBatch, double jitterScv, double[]? replay = null)
    {
        _kind = kind;
        _mean = mean;
        _shape = shape;
        _meanByBatch = meanByBatch;
        _replay = replay;
        Scv = scv;
        switch (kind)
        {
            case Kind.Hyperexponential:
                // Balanced means: p₁/μ₁ = p₂/μ₂, which fixes the two branches from the mean and the scv.
                _p1 = 0.5 * (1 + Math.Sqrt((scv - 1) / (scv + 1)));
                _mean1 = mean / (2 * _p1);
                _mean2 = mean / (2 * (1 - _p1));
                break;
            case Kind.Lognormal:
                _logSigma = Math.Sqrt(Math.Log(1 + scv));
                _logMu = Math.Log(mean) - (0.5 * _logSigma * _logSigma);
                break;
            case Kind.Profile when jitterScv > 0:
                _logSigma = Math.Sqrt(Math.Log(1 + jitterScv));
                _logMu = -0.5 * _logSigma * _logSigma;
                break;
        }
    }

    private enum Kind
    {
        Exponential,
        Deterministic,
        Erlang,
        Hyperexponential,
        Lognormal,
        Profile,
        Replay,
    }

    /// <summary>Squared coefficient of variation of one batch's time (of the jitter, for a profile).</summary>
    public double Scv { get; }

    /// <summary>Whether the mean time of a batch grows with its size (a profile).</summary>
    public bool DependsOnBatchSize => _kind == Kind.Profile;

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
            var jitter = profile.JitterScv ?? 0;
            return new ServiceTimeModel(Kind.Profile, means[1], jitter, 0, means, jitter);
        }

        var mean = spec.MeanMs!.Value / 1000.0;
        var flat = new[] { mean };
        return spec.Distribution switch
        {
            ScenarioNames.Exponential => new ServiceTimeModel(Kind.Exponential, mean, 1, 0, flat, 0),
            ScenarioNames.Deterministic => new ServiceTimeModel(Kind.Deterministic, mean, 0, 0, flat, 0),
            ScenarioNames.Erlang => new ServiceTimeModel(Kind.Erlang, mean, 1.0 / spec.Shape!.Value, spec.Shape.Value, flat, 0),
            ScenarioNames.Hyperexponential => new ServiceTimeModel(Kind.Hyperexponential, mean, spec.Scv!.Value, 0, flat, 0),
            ScenarioNames.Lognormal => new ServiceTimeModel(Kind.Lognormal, mean, spec.Scv!.Value, 0, flat, 0),
            _ => throw new ScenarioException("$.pools[].service.distribution", $"'{spec.Distribution}' is not a distribution"),
        };
    }

    /// <summary>Service times taken in turn from a list (seconds), for exact checks against recursions.</summary>
    internal static ServiceTimeModel Replay(double[] secondsInOrder) =>
        new(Kind.Replay, secondsInOrder.Average(), 0, 0, [secondsInOrder.Average()], 0, secondsInOrder);

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
    public double Mean(int batch) => _kind == Kind.Profile ? _meanByBatch[Math.Min(batch, _meanByBatch.Length - 1)] : _mean;

    /// <summary>Draws one batch's time, seconds.</summary>
    public double Sample(int batch, RandomSequence random)
    {
        switch (_kind)
        {
            case Kind.Exponential:
                return random.Exponential(_mean);
            case Kind.Deterministic:
                return _mean;
            case Kind.Erlang:
            {
                var sum = 0.0;
                for (var k = 0; k < _shape; k++)
                {
                    sum -= Math.Log(random.NextOpenDouble());
                }

                return sum * _mean / _shape;
            }

            case Kind.Hyperexponential:
                return random.NextDouble() < _p1 ? random.Exponential(_mean1) : random.Exponential(_mean2);
            case Kind.Lognormal:
                return Math.Exp(_logMu + (_logSigma * random.StandardNormal()));
            case Kind.Profile:
            {
                var mean = _meanByBatch[Math.Min(batch, _meanByBatch.Length - 1)];
                return _logSigma > 0 ? mean * Math.Exp(_logMu + (_logSigma * random.StandardNormal())) : mean;
            }

            default:
                return _replay![_replayNext++ % _replay.Length];
        }
    }
}
