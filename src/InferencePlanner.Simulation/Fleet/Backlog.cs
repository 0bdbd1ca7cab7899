namespace InferencePlanner.Simulation.Fleet;

/// <summary>
/// Queries waiting in all pools together, batching and generative alike. Beyond <see cref="Limit"/> the offered
/// load outruns the fleet: the run is stopped and reported unstable instead of filling memory.
/// </summary>
internal sealed class Backlog(long limit)
{
    public long Waiting;

    public long Limit { get; } = limit;

    public bool Exceeded => Waiting > Limit;
}
