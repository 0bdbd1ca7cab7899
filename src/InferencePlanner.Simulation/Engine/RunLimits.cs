using InferencePlanner.Core.Scenarios;

namespace InferencePlanner.Simulation.Engine;

/// <summary>
/// How much one run may simulate before it must be asked for explicitly: the server's defaults (section <c>Api</c>)
/// and the command line's (lifted with <c>--no-limit</c>). Beyond them a named error, never a silently shortened run.
/// </summary>
public static class RunLimits
{
    /// <summary>(Warm-up + measured) queries × replications.</summary>
    public const long DefaultMaxQueriesPerRun = 20_000_000;

    /// <summary>A time-bounded run's simulated span with its warm-up, seconds (31 days).</summary>
    public const double DefaultMaxHorizonSeconds = 31 * 86_400;

    /// <summary>Throws a <see cref="ScenarioException"/> naming the field and <paramref name="setting"/> when the run is beyond the limits.</summary>
    /// <param name="model">The compiled run.</param>
    /// <param name="replications">Its replications.</param>
    /// <param name="maxQueries">The most queries a run may simulate.</param>
    /// <param name="maxSeconds">The longest span a time-bounded run may simulate.</param>
    /// <param name="queriesField">Where the query count comes from (a JSON path or an option).</param>
    /// <param name="setting">How the limit is set or lifted, in the message: "Api:MaxQueriesPerRun", "give --no-limit …".</param>
    /// <param name="horizonSetting">The same for the span.</param>
    public static void Check(SimulationModel model, int replications, long maxQueries, double maxSeconds, string queriesField, string setting, string horizonSetting)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.HorizonInQueries)
        {
            var total = (double)(model.WarmupQueries + model.MeasuredQueries) * replications;
            if (total > maxQueries)
            {
                throw new ScenarioException(queriesField,
                    $"{model.WarmupQueries + model.MeasuredQueries:N0} queries × {replications} replications is over the limit of {maxQueries:N0} queries a run ({setting})");
            }
        }
        else if (model.WarmupSeconds + model.MeasuredSeconds > maxSeconds)
        {
            throw new ScenarioException("$.horizon.seconds",
                $"{model.WarmupSeconds + model.MeasuredSeconds:N0} s (with warm-up) is over the limit of {maxSeconds:N0} s ({horizonSetting})");
        }
    }
}
