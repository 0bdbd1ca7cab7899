namespace InferencePlanner.Simulation.Fleet;

/// <summary>
/// Who a query is: its arrival index (which tells measured queries from warm-up ones) and its class, packed in
/// one long so that the waiting rings stay arrays of plain values.
/// </summary>
internal readonly record struct QueryTag
{
    private const int ClassBits = 6; // ScenarioLimits.MaxClasses = 64
    private readonly long _packed;

    public QueryTag(long index, int cls) => _packed = (index << ClassBits) | (long)cls;

    /// <summary>The query's place in the arrival sequence, from 0.</summary>
    public long Index => _packed >> ClassBits;

    /// <summary>Its query class (0 when the scenario has one).</summary>
    public int Class => (int)(_packed & ((1 << ClassBits) - 1));
}
