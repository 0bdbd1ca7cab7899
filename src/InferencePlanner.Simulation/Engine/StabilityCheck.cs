using InferencePlanner.Simulation.Fleet;

namespace InferencePlanner.Simulation.Engine;

/// <summary>
/// Before a run: is the offered load within what the fleet can serve? A pool without a bounded queue or a
/// timeout that is offered its capacity or more would build a queue without end, so such a scenario is
/// reported (with the capacity and the load) instead of simulated. Time-varying load is judged by its mean
/// over the run: peaks above capacity are transient and are simulated.
/// </summary>
public static class StabilityCheck
{
    public sealed record Verdict(bool Stable, string? Reason, double? CapacityPerSecond, double? OfferedLoadPerSecond, double MeanArrivalRatePerSecond);

    public static Verdict Assess(SimulationModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var arrivals = model.CreateArrivals(0);
        var guess = arrivals.MeanRate(7 * 86_400);
        var rate = arrivals.MeanRate(model.ExpectedSpanSeconds(guess));

        var pools = model.Pools;
        var edgeShare = model.OffloadPool >= 0 ? model.OffloadShare : 0;
        if (model.OffloadPool >= 0)
        {
            var edge = pools[model.OffloadPool];
            var offered = rate * edgeShare;
            if (!edge.ShedsLoad && offered >= edge.CapacityPerSecond)
            {
                return Unstable(edge, offered, rate);
            }
        }

        var routable = pools.Where(p => !p.IsEdge).ToList();
        var routed = rate * (1 - edgeShare);
        if (routable.Count == 0 || routed <= 0)
        {
            return new Verdict(true, null, null, null, rate);
        }

        if (model.RoutingPolicy == RoutingPolicy.Weighted || routable.Count == 1)
        {
            var shares = RoutingShares(routable);
            for (var i = 0; i < routable.Count; i++)
            {
                var offered = routed * shares[i];
                if (!routable[i].ShedsLoad && offered >= routable[i].CapacityPerSecond)
                {
                    return Unstable(routable[i], offered, rate);
                }

                if (routable[i].Llm is { } llm && !routable[i].ShedsLoad && Generative(model, routable[i], llm, offered, rate) is { } verdict)
                {
                    return verdict;
                }
            }
        }
        else if (routable.All(p => !p.ShedsLoad))
        {
            // A generative pool's capacity is its replicas' token capacity over the workload's mean request.
            var capacity = routable.Sum(p => p.Llm is { } llm ? GenerativeCapacity(model, p, llm).RequestsPerSecond * p.Servers : p.CapacityPerSecond);
            if (routed >= capacity)
            {
                return new Verdict(false,
                    $"the fleet is offered {routed:G4} queries/s but its {routable.Count} pools serve at most {capacity:G4} queries/s together: the queues would grow without end",
                    capacity, routed, rate);
            }
        }

        return new Verdict(true, null, null, null, rate);
    }

    /// <summary>
    /// Each routable pool's share of the traffic not offloaded under weighted routing: its routing weight over all
    /// of theirs (one pool takes it all, whatever its weight).
    /// </summary>
    public static double[] RoutingShares(IReadOnlyList<PoolModel> routable)
    {
        ArgumentNullException.ThrowIfNull(routable);
        if (routable.Count == 1)
        {
            return [1.0];
        }

        var total = routable.Sum(p => p.RoutingWeight);
        return [.. routable.Select(p => p.RoutingWeight / total)];
    }

    /// <summary>
    /// A generative pool whose token demand its batching and cache cannot keep up with (see <see cref="LlmCapacity"/>):
    /// the verdict, or null when it can. Only where the workload's mean tokens are known before the run.
    /// </summary>
    private static Verdict? Generative(SimulationModel model, PoolModel pool, LlmPoolModel llm, double offered, double rate)
    {
        var (estimate, output) = (GenerativeCapacity(model, pool, llm), MeanTokens(model).Output);
        var capacity = estimate.RequestsPerSecond * pool.Servers;
        if (offered < capacity)
        {
            return null;
        }

        return new Verdict(false, string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"generative pool '{pool.Name}' is offered {offered:G4} requests/s ({offered * output:N0} output tokens/s) but its {pool.Servers} replica{(pool.Servers == 1 ? string.Empty : "s")} emit at most {capacity * output:N0} tokens/s ({capacity:G4} requests/s): {estimate.Sequences} sequences at a time per replica, limited by {estimate.LimitedBy}, at {estimate.StepSeconds * 1000:0.#} ms an iteration. Its waiting line would grow without end: add replicas, or raise tensorParallel or the cache."),
            capacity, offered, rate);
    }

    /// <summary>The workload's mean prompt and answer tokens: the distributions' when given (a trace's tokens otherwise).</summary>
    internal static (double Input, double Output) MeanTokens(SimulationModel model)
    {
        var tokens = model.Scenario.Workload?.Tokens;
        return tokens?.Input?.Mean is { } input && tokens.Output?.Mean is { } output
            ? (Math.Min(input, tokens.Input.Max ?? double.MaxValue), Math.Min(output, tokens.Output.Max ?? double.MaxValue))
            : model.Trace is { Count: > 0 } trace
                ? (trace.ContextTokens.Average(), trace.GeneratedTokens.Average())
                : (tokens?.Input?.Mean ?? 1, tokens?.Output?.Mean ?? 1);
    }

    internal static LlmCapacity.Estimate GenerativeCapacity(SimulationModel model, PoolModel pool, LlmPoolModel llm)
    {
        var (input, output) = MeanTokens(model);
        // Shared prefixes reused in whole 16-token blocks (the first sight of each group still computes it).
        var prefix = model.Scenario.Workload?.Prefix is { Tokens: { } p } && llm.PrefixCaching ? Math.Min(p / 16 * 16, input - 1) : 0;
        return LlmCapacity.PerReplica(llm, input, output, Math.Max(0, prefix));
    }

    private static Verdict Unstable(PoolModel pool, double offered, double rate)
    {
        var capacity = pool.CapacityPerSecond;
        return new Verdict(false,
            $"pool '{pool.Name}' is offered {offered:G4} queries/s but serves at most {capacity:G4} queries/s " +
            $"({pool.Servers} servers, batches of up to {pool.MaxBatch}): its queue would grow without end. " +
            "Add servers, allow larger batches, or bound the queue (maxQueueLength) or the wait (timeoutMs).",
            capacity, offered, rate);
    }
}
