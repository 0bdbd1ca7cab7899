using InferencePlanner.Core.Scenarios;

namespace InferencePlanner.Core.Analytics;

/// <summary>The closed forms a single pool's queue can be checked against exactly under Poisson arrivals.</summary>
public enum ClosedFormKind
{
    /// <summary>Erlang C: exponential service on c servers (<see cref="MmcQueue"/>).</summary>
    Mmc,

    /// <summary>Pollaczek–Khinchine: any service distribution on one server (<see cref="PollaczekKhinchine"/>).</summary>
    Mg1,
}

/// <summary>
/// Which closed form fits a pool: one home for the rule the sizer (M/M/c sized exactly) and the simulate page (the
/// cross-check beside a run) both follow. Only a pool of one query per batch, an unbounded line and no timeout,
/// with a service distribution (not a profile), is such a queue.
/// </summary>
public static class PoolClosedForm
{
    public static ClosedFormKind? Fit(PoolSpec pool)
    {
        ArgumentNullException.ThrowIfNull(pool);
        if (pool.Llm is not null || pool.Service is not { MeanMs: not null, Distribution: { } distribution }
            || (pool.Batching?.MaxBatch ?? 1) != 1 || pool.MaxQueueLength is not null || pool.TimeoutMs is not null)
        {
            return null;
        }

        return distribution == ScenarioNames.Exponential ? ClosedFormKind.Mmc
            : pool.Count == 1 ? ClosedFormKind.Mg1
            : null;
    }

    /// <summary>The squared coefficient of variation of a service distribution.</summary>
    public static double Scv(ServiceSpec service)
    {
        ArgumentNullException.ThrowIfNull(service);
        return service.Distribution switch
        {
            ScenarioNames.Deterministic => 0,
            ScenarioNames.Exponential => 1,
            ScenarioNames.Erlang => 1.0 / (service.Shape ?? 1),
            _ => service.Scv ?? 1,
        };
    }
}
