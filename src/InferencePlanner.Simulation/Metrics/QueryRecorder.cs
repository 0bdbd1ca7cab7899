using System.Runtime.CompilerServices;
using InferencePlanner.Simulation.Fleet;

namespace InferencePlanner.Simulation.Metrics;

/// <summary>What the engine knows of one measured query once it is served (tests check it against recursions).</summary>
/// <param name="BatchSize">The batch it was served in (for a generative request: 1).</param>
internal readonly record struct QueryRecord(long Index, int Pool, int Class, double ArrivalSeconds, double WaitSeconds, double LatencySeconds, int BatchSize);

/// <summary>
/// The one place a measured query's fate becomes figures: arrived, rejected, abandoned, or served with its wait
/// and latency, for its pool, its class, the time series and the test hook alike, whatever kind of pool served it.
/// </summary>
internal sealed class QueryRecorder(ClassMetrics[] classes, TimeSeriesRecorder? series, Action<QueryRecord>? observer)
{
    private readonly bool _multiClass = classes.Length > 1;
    private readonly double _onlySloSeconds = classes[0].SloSeconds;

    public ClassMetrics[] Classes { get; } = classes;

    public TimeSeriesRecorder? Series { get; } = series;

    public void Arrived(PoolMetrics pool, int cls, double t)
    {
        pool.Arrivals++;
        if (_multiClass)
        {
            Classes[cls].Arrivals++;
        }

        Series?.Arrival(t);
    }

    public void Rejected(PoolMetrics pool, int cls)
    {
        pool.Rejected++;
        if (_multiClass)
        {
            Classes[cls].Rejected++;
        }
    }

    public void Abandoned(PoolMetrics pool, int cls)
    {
        pool.Abandoned++;
        if (_multiClass)
        {
            Classes[cls].Abandoned++;
        }
    }

    /// <summary>
    /// A measured query served: waited <paramref name="wait"/> and left <paramref name="latency"/> after it arrived
    /// (seconds), at <paramref name="completion"/>. It is good when its latency meets its class's target and
    /// <paramref name="otherTargetsMet"/> (a generative request's TTFT and TPOT).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Served(PoolMetrics pool, QueryTag tag, double arrival, double wait, double latency, double completion, int batchSize, bool otherTargetsMet = true)
    {
        pool.Wait.Record(wait * 1000);
        pool.Latency.Record(latency * 1000);
        pool.Served++;
        if (wait > 0)
        {
            pool.Waited++;
        }

        // One class: its target is the fleet's, and its figures are the fleet's, not repeated per class.
        if (!_multiClass)
        {
            if (otherTargetsMet && latency <= _onlySloSeconds)
            {
                pool.Good++;
            }
        }
        else
        {
            var state = Classes[tag.Class];
            var good = otherTargetsMet && latency <= state.SloSeconds;
            if (good)
            {
                pool.Good++;
            }

            state.Latency.Record(latency * 1000);
            state.Served++;
            if (good)
            {
                state.Good++;
            }
        }

        Series?.Completion(completion, latency);
        observer?.Invoke(new QueryRecord(tag.Index, pool.Index, tag.Class, arrival, wait, latency, batchSize));
    }
}
