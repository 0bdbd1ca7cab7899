using InferencePlanner.Simulation.Kernel;

namespace InferencePlanner.Simulation.Workload;

/// <summary>Generates arrival times (seconds, increasing) from its own random sequence.</summary>
public abstract class ArrivalProcess
{
    /// <summary>The first arrival after <paramref name="now"/>, or +∞ when the process has ended (a trace ran out).</summary>
    public abstract double NextArrival(double now);

    /// <summary>The long-run mean rate over [0, <paramref name="horizonSeconds"/>], per second.</summary>
    public abstract double MeanRate(double horizonSeconds);

    /// <summary>The highest instantaneous rate over [0, <paramref name="horizonSeconds"/>], per second.</summary>
    public abstract double PeakRate(double horizonSeconds);

    /// <summary>The trace row of the arrival last returned, or −1 for generated arrivals.</summary>
    public virtual int CurrentRow => -1;
}

/// <summary>Poisson arrivals: exponential inter-arrival times of mean 1/λ.</summary>
public sealed class PoissonArrivals(double ratePerSecond, RandomSequence random) : ArrivalProcess
{
    private readonly double _meanGap = 1.0 / ratePerSecond;

    public override double NextArrival(double now) => now + random.Exponential(_meanGap);

    public override double MeanRate(double horizonSeconds) => ratePerSecond;

    public override double PeakRate(double horizonSeconds) => ratePerSecond;
}

/// <summary>Evenly spaced arrivals: one every 1/λ seconds, the first at 1/λ.</summary>
public sealed class ConstantArrivals(double ratePerSecond) : ArrivalProcess
{
    private long _count;

    public override double NextArrival(double now) => ++_count / ratePerSecond;

    public override double MeanRate(double horizonSeconds) => ratePerSecond;

    public override double PeakRate(double horizonSeconds) => ratePerSecond;
}

/// <summary>
/// A two-state Markov-modulated Poisson process: rate λ₀ in the normal state and λ₁ in a burst, with
/// exponential sojourns of the given means. The state at time 0 is drawn from its stationary distribution.
/// Exact by memorylessness: a gap that would cross a state change is redrawn from the change.
/// </summary>
public sealed class BurstArrivals : ArrivalProcess
{
    private readonly double[] _rates;
    private readonly double[] _meanSojourns;
    private readonly RandomSequence _random;
    private int _state;
    private double _switchAt;

    public BurstArrivals(double normalRate, double burstRate, double meanNormalSeconds, double meanBurstSeconds, RandomSequence random)
    {
        _rates = [normalRate, burstRate];
        _meanSojourns = [meanNormalSeconds, meanBurstSeconds];
        _random = random;
        _state = random.NextDouble() < meanBurstSeconds / (meanNormalSeconds + meanBurstSeconds) ? 1 : 0;
        _switchAt = random.Exponential(_meanSojourns[_state]);
        InitialState = _state;
    }

    /// <summary>The state at time 0 (1 = burst).</summary>
    internal int InitialState { get; }

    /// <summary>When set, every state change is recorded as (time, new state): tests rebuild λ(t) from it.</summary>
    internal List<(double Time, int State)>? Switches { get; set; }

    public override double NextArrival(double now)
    {
        var t = now;
        while (true)
        {
            var rate = _rates[_state];
            var candidate = rate > 0 ? t + _random.Exponential(1.0 / rate) : double.PositiveInfinity;
            if (candidate < _switchAt)
            {
                return candidate;
            }

            t = _switchAt;
            _state ^= 1;
            Switches?.Add((t, _state));
            _switchAt = t + _random.Exponential(_meanSojourns[_state]);
        }
    }

    public override double MeanRate(double horizonSeconds) =>
        ((_rates[0] * _meanSojourns[0]) + (_rates[1] * _meanSojourns[1])) / (_meanSojourns[0] + _meanSojourns[1]);

    public override double PeakRate(double horizonSeconds) => Math.Max(_rates[0], _rates[1]);
}
