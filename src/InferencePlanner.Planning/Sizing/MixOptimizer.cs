using InferencePlanner.Core.Scenarios;
using InferencePlanner.Planning.Economics;
using InferencePlanner.Simulation.Engine;

namespace InferencePlanner.Planning.Sizing;

/// <summary>
/// The cheapest (or least-carbon, or blended) mix of pools for a rate. Traffic is split in proportion to each
/// pool's capacity, so every server carries the same share whatever the mix; then, for any type that can meet
/// the SLO at all, feasibility only grows with its count. The search enumerates the counts of all pools but the last (each up to what it needs
/// alone), finds the last pool's smallest feasible count by bisection, and prunes any partial mix whose cost
/// already exceeds the best found.
/// </summary>
/// <param name="sizer">Finds each pool's smallest count for its share.</param>
/// <param name="pricer">Prices one server of each pool (the objective's unit figures).</param>
/// <param name="basis">The compiled scenario the pools belong to.</param>
public sealed class MixOptimizer(PoolSizer sizer, FleetPricer pricer, SimulationModel basis)
{
    /// <summary>
    /// Counts per pool name, and the per-server capacity (queries/s) by which traffic is split. A generative pool
    /// has no fixed rate (its KV cache and token budget bound it), so its capacity is what one replica carries at
    /// the SLO when the pool serves the whole rate alone: rate / (replicas it needs).
    /// </summary>
    public MixResult Optimize(IReadOnlyList<PoolModel> pools, double rate, SloTarget slo, MixSpec mix, int month)
    {
        ArgumentNullException.ThrowIfNull(pools);
        ArgumentNullException.ThrowIfNull(mix);
        var objective = mix.Objective ?? ScenarioNames.CostObjective;
        var objectives = pools.Select(p => UnitObjective(p, objective, mix.CarbonPriceUsdPerTonne ?? 0, month)).ToArray();
        // A pool whose price is unknown cannot be weighed by cost: it is left out, never chosen as if it were free.
        var unpriced = pools.Where((p, i) => objectives[i] is null).Select(p => p.Name).ToList();
        if (unpriced.Count == pools.Count)
        {
            throw new ScenarioException("$.economics.mix.objective",
                $"no pool of {string.Join(", ", pools.Select(p => p.Name))} has a known price, so a {objective} objective cannot choose between them: give their regions a price or set economics.priceFallback");
        }

        var unitCost = objectives.Select(o => o ?? 0).ToArray();
        // What each type needs alone bounds its count; a type that cannot meet the SLO alone, or has no price, gets none.
        var alone = pools.Select((p, i) =>
        {
            if (objectives[i] is null)
            {
                return 0;
            }

            try
            {
                return sizer.RequiredCount(basis, p, rate, slo);
            }
            catch (UnreachableSloException)
            {
                return 0;
            }
        }).ToArray();
        if (alone.All(n => n == 0))
        {
            throw new UnreachableSloException($"no pool of {string.Join(", ", pools.Select(p => p.Name))} can meet p{slo.Percentile} ≤ {slo.LatencyMs} ms");
        }

        var capacities = pools.Select(p => p.CapacityPerServerPerSecond).ToArray();
        // A derived capacity is exactly carried by the count that needs it: there, capacity equal to the rate suffices.
        var derived = capacities.Select(double.IsPositiveInfinity).ToArray();
        for (var i = 0; i < capacities.Length; i++)
        {
            capacities[i] = derived[i] ? (alone[i] > 0 ? rate / alone[i] : 0) : capacities[i];
        }

        var best = Search(pools.Count, alone, unitCost, (counts) => Feasible(pools, capacities, derived, counts, rate, slo));
        return new MixResult(
            pools.Select((p, i) => (p.Name, best[i])).ToDictionary(x => x.Item1, x => x.Item2, StringComparer.Ordinal),
            pools.Select((p, i) => (p.Name, capacities[i])).ToDictionary(x => x.Item1, x => x.Item2, StringComparer.Ordinal))
        {
            Unpriced = unpriced,
        };
    }

    /// <summary>
    /// Branch-and-bound over count vectors in [0, upper]: the smallest Σ unitCost·n among feasible vectors,
    /// where <paramref name="feasible"/> is monotone (more servers never hurt). Ties go to the first found.
    /// </summary>
    public static int[] Search(int types, IReadOnlyList<int> upper, IReadOnlyList<double> unitCost, Func<int[], bool> feasible)
    {
        ArgumentNullException.ThrowIfNull(upper);
        ArgumentNullException.ThrowIfNull(unitCost);
        ArgumentNullException.ThrowIfNull(feasible);
        var best = double.PositiveInfinity;
        int[]? bestCounts = null;
        var counts = new int[types];
        void Recurse(int i, double partial)
        {
            if (partial >= best)
            {
                return;
            }

            if (i == types - 1)
            {
                // None of the last type is the cheapest completion when it suffices; a type that cannot meet the
                // SLO at all only ever hurts, so this also keeps such a type out.
                counts[i] = 0;
                var (lo, hi) = (-1, 0);
                if (!feasible(counts))
                {
                    counts[i] = upper[i];
                    if (!feasible(counts))
                    {
                        return;
                    }

                    (lo, hi) = (0, upper[i]);
                }

                while (hi - lo > 1)
                {
                    var mid = lo + ((hi - lo) / 2);
                    counts[i] = mid;
                    if (feasible(counts))
                    {
                        hi = mid;
                    }
                    else
                    {
                        lo = mid;
                    }
                }

                var total = partial + (unitCost[i] * hi);
                if (total < best)
                {
                    best = total;
                    counts[i] = hi;
                    bestCounts = (int[])counts.Clone();
                }

                return;
            }

            for (var n = 0; n <= upper[i]; n++)
            {
                counts[i] = n;
                Recurse(i + 1, partial + (unitCost[i] * n));
            }

            counts[i] = 0;
        }

        Recurse(0, 0);
        return bestCounts ?? [.. upper];
    }

    private bool Feasible(IReadOnlyList<PoolModel> pools, double[] capacities, bool[] derived, int[] counts, double rate, SloTarget slo)
    {
        var total = counts.Select((n, i) => n * capacities[i]).Sum();
        var anyDerived = counts.Where((n, i) => n > 0 && derived[i]).Any();
        if (anyDerived ? total < rate * (1 - 1e-12) : total <= rate)
        {
            return false;
        }

        for (var i = 0; i < pools.Count; i++)
        {
            if (counts[i] == 0)
            {
                continue;
            }

            var share = rate * counts[i] * capacities[i] / total;
            if (sizer.RequiredCount(basis, pools[i], share, slo) > counts[i])
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>One server's objective for a month; null when it needs a price and none is known.</summary>
    private double? UnitObjective(PoolModel pool, string objective, double carbonPrice, int month)
    {
        var one = pricer.UnitFigures(basis.Scenario, pool.Spec, month);
        return objective switch
        {
            ScenarioNames.CarbonObjective => one.CarbonKg,
            ScenarioNames.BlendObjective => one.CostUsd + (one.CarbonKg / 1000 * carbonPrice),
            _ => one.CostUsd,
        };
    }
}

/// <summary>The mix: servers per pool and each pool's per-server capacity (queries/s) used to split the traffic.</summary>
public sealed record MixResult(IReadOnlyDictionary<string, int> Counts, IReadOnlyDictionary<string, double> CapacityPerServer)
{
    /// <summary>Pools left out because a cost objective needs their price and none is known.</summary>
    public IReadOnlyList<string> Unpriced { get; init; } = [];
}
