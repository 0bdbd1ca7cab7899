namespace InferencePlanner.Simulation.Workload;

/// <summary>Replays a trace: each row is one query, at its timestamp divided by the speed-up.</summary>
public sealed class TraceArrivals(ArrivalTrace trace, double speedup) : ArrivalProcess
{
    private int _row = -1;

    public override int CurrentRow => _row;

    public override double NextArrival(double now)
    {
        _row++;
        return _row < trace.Count ? trace.OffsetSeconds[_row] / speedup : double.PositiveInfinity;
    }

    public override double MeanRate(double horizonSeconds) => trace.MeanRatePerSecond * speedup;

    public override double PeakRate(double horizonSeconds) => trace.PeakRatePerSecond * speedup;
}
