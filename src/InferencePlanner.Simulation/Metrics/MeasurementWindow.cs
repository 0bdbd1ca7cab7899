namespace InferencePlanner.Simulation.Metrics;

/// <summary>
/// The measured part of a run: it opens when the warm-up ends (an arrival count or a time) and closes at the
/// horizon. A query is measured when it arrived while the window was open, which its arrival index tells.
/// </summary>
internal sealed class MeasurementWindow
{
    public bool IsOpen { get; private set; }

    /// <summary>Where stays are cut at the front: +∞ until the window opens, then its start.</summary>
    public double ClipStart { get; private set; } = double.PositiveInfinity;

    /// <summary>Where stays are cut at the back: +∞ until the window closes, then its end.</summary>
    public double ClipEnd { get; private set; } = double.PositiveInfinity;

    public double Start { get; private set; } = double.NaN;

    public double End { get; private set; } = double.NaN;

    /// <summary>Arrival index of the first measured query (long.MaxValue until the window opens).</summary>
    public long FirstMeasured { get; private set; } = long.MaxValue;

    /// <summary>Arrival index of the last measured query (long.MaxValue until the window closes).</summary>
    public long LastMeasured { get; private set; } = long.MaxValue;

    /// <summary>Whether the window has opened at some time (it may have closed since).</summary>
    public bool HasOpened => !double.IsNaN(Start);

    public bool IsMeasured(long arrivalIndex) => arrivalIndex >= FirstMeasured;

    /// <param name="t">The time it opens.</param>
    /// <param name="firstMeasured">The arrival index of the first query it measures.</param>
    public void Open(double t, long firstMeasured)
    {
        IsOpen = true;
        Start = t;
        ClipStart = t;
        FirstMeasured = firstMeasured;
    }

    /// <param name="t">The time it closes.</param>
    /// <param name="lastMeasured">The arrival index of the last query it measures.</param>
    public void Close(double t, long lastMeasured)
    {
        IsOpen = false;
        End = t;
        ClipEnd = t;
        LastMeasured = lastMeasured;
    }

    /// <summary>
    /// The part of a stay from <paramref name="from"/> to <paramref name="to"/> inside the window, seconds — exact once
    /// the stay has ended, since by then the window has opened (or not) and closed (or not) where it did.
    /// </summary>
    public double Overlap(double from, double to)
    {
        // Plain comparisons: the times are never NaN, so Math.Min/Max's NaN and −0 care is not needed here.
        var start = ClipStart;
        var end = ClipEnd;
        var inside = (to < end ? to : end) - (from > start ? from : start);
        return inside > 0 ? inside : 0;
    }

    /// <summary>The window's length, seconds (to <paramref name="now"/> if it never closed; 0 if it never opened).</summary>
    public double Length(double now) => !HasOpened ? 0 : (double.IsNaN(End) ? now : End) - Start;

    /// <summary>Queries that arrived within the window.</summary>
    public long MeasuredArrivals => LastMeasured == long.MaxValue || FirstMeasured == long.MaxValue ? 0 : LastMeasured - FirstMeasured + 1;
}
