using InferencePlanner.Simulation.Metrics;
using InferencePlanner.Simulation.Results;

namespace InferencePlanner.Simulation.Engine;

/// <summary>One replication's accumulators turned into its <see cref="SimulationResult"/>: rates, shares, percentiles.</summary>
internal static class ReplicationSummary
{
    private static readonly double[] CdfLevels = [.. Enumerable.Range(1, 99).Select(i => i / 100.0), 0.995, 0.999];

    public static SimulationResult Of(SimulationModel model, ReplicationOutcome outcome)
    {
        var window = outcome.WindowSeconds;
        var poolResults = new List<PoolResult>(outcome.Pools.Length);
        var wait = new LatencyHistogram();
        var latency = new LatencyHistogram();
        var ttft = new LatencyHistogram();
        var tpot = new LatencyHistogram();
        long outputTokens = 0;
        long arrivals = 0, served = 0, rejected = 0, abandoned = 0, waited = 0, good = 0, batches = 0, batched = 0, servers = 0;
        double busy = 0, active = 0, areaQueue = 0, areaSystem = 0;
        for (var i = 0; i < outcome.Pools.Length; i++)
        {
            var pool = outcome.Pools[i];
            var spec = model.Pools[i];
            var poolBusy = pool.BusySeconds.Sum();
            var llm = outcome.Llm[i];
            // A generative pool's iterations draw by what they do; any other busy server at TDP.
            var poolActive = llm is null ? poolBusy : pool.ActiveSeconds;
            poolResults.Add(new PoolResult
            {
                Name = spec.Name,
                Device = spec.Device,
                Region = spec.Region,
                Servers = spec.Servers,
                DevicesPerServer = spec.Spec.Llm?.TensorParallel ?? 1,
                Edge = spec.IsEdge,
                Arrivals = pool.Arrivals,
                Completed = pool.Served,
                Rejected = pool.Rejected,
                Abandoned = pool.Abandoned,
                ThroughputPerSecond = Ratio(pool.Served, window),
                Utilization = Ratio(poolBusy, spec.Servers * window),
                PowerActivity = Ratio(poolActive, spec.Servers * window),
                ProbabilityOfWait = Ratio(pool.Waited, pool.Served),
                RejectionProbability = Ratio(pool.Rejected, pool.Arrivals),
                AbandonmentProbability = Ratio(pool.Abandoned, pool.Arrivals),
                MeanBatchSize = Ratio(pool.BatchedQueries, pool.Batches),
                MeanQueueLength = Ratio(pool.AreaQueue, window),
                MeanInSystem = Ratio(pool.AreaSystem, window),
                SloAttainment = Ratio(pool.Good, pool.Served),
                GoodputPerSecond = Ratio(pool.Good, window),
                WaitMs = Summary(pool.Wait),
                LatencyMs = Summary(pool.Latency),
                BatchSizes = BatchShares(pool.BatchSizeCounts, pool.Batches),
                BusyDeviceSeconds = poolBusy,
                IdleDeviceSeconds = Math.Max(0, (spec.Servers * window) - poolBusy),
                BusySecondsByServer = spec.Servers <= 256 ? pool.BusySeconds.ToArray() : null,
                CapacityPerSecond = Finite(spec.CapacityPerSecond),
                Llm = llm is null ? null : new LlmPoolResult
                {
                    TtftMs = Summary(llm.Ttft),
                    TpotMs = Summary(llm.Tpot),
                    OutputTokensPerSecond = Ratio(llm.OutputTokens, window),
                    GoodputPerSecond = Ratio(pool.Good, window),
                    KvCacheUtilization = Ratio(llm.AreaKvShare, window),
                    Preemptions = llm.Preemptions,
                    MeanRunningSequences = Ratio(pool.AreaInService, window),
                    Iterations = llm.Iterations,
                    MeanPrefillTokensPerStep = Ratio(llm.PrefillTokens, llm.MeasuredIterations),
                    MeanDecodeTokensPerStep = Ratio(llm.DecodeTokens, llm.MeasuredIterations),
                    KvCapacityTokensPerReplica = outcome.KvCapacityTokens[i],
                    PeakKvTokensPerReplica = llm.PeakKvUsed,
                    KvTokensAtEnd = outcome.KvTokensAtEnd[i],
                    StepTimes = spec.Llm?.Step.Provenance is { Length: > 0 } provenance ? provenance : null,
                    PrefixLookups = llm.PrefixLookups,
                    PrefixHits = llm.PrefixHits,
                },
            });
            if (llm is not null)
            {
                ttft.Add(llm.Ttft);
                tpot.Add(llm.Tpot);
                outputTokens += llm.OutputTokens;
            }

            wait.Add(pool.Wait);
            latency.Add(pool.Latency);
            arrivals += pool.Arrivals;
            served += pool.Served;
            rejected += pool.Rejected;
            abandoned += pool.Abandoned;
            waited += pool.Waited;
            good += pool.Good;
            batches += pool.Batches;
            batched += pool.BatchedQueries;
            busy += poolBusy;
            active += poolActive;
            servers += spec.Servers;
            areaQueue += pool.AreaQueue;
            areaSystem += pool.AreaSystem;
        }

        var classes = model.Classes.Count > 1
            ? model.Classes.Select((c, i) =>
            {
                var state = outcome.Classes[i];
                return new ClassResult
                {
                    Name = c.Name,
                    SloLatencyMs = double.IsPositiveInfinity(c.SloLatencySeconds) ? null : c.SloLatencySeconds * 1000,
                    Arrivals = state.Arrivals,
                    Completed = state.Served,
                    Rejected = state.Rejected,
                    Abandoned = state.Abandoned,
                    SloAttainment = Ratio(state.Good, state.Served),
                    LatencyMs = Summary(state.Latency),
                };
            }).ToList()
            : [];

        var rejection = Ratio(rejected, arrivals);
        var stable = outcome.AbortReason is null;
        var generative = model.HasLlmPools;
        return new SimulationResult
        {
            Stable = stable,
            Reason = outcome.AbortReason,
            Arrivals = arrivals,
            Completed = served,
            Rejected = rejected,
            Abandoned = abandoned,
            ThroughputPerSecond = Ratio(served, window),
            Utilization = Ratio(busy, servers * window),
            PowerActivity = Ratio(active, servers * window),
            ProbabilityOfWait = Ratio(waited, served),
            RejectionProbability = rejection,
            AbandonmentProbability = Ratio(abandoned, arrivals),
            MeanBatchSize = Ratio(batched, batches),
            MeanQueueLength = Ratio(areaQueue, window),
            MeanInSystem = Ratio(areaSystem, window),
            SloAttainment = Ratio(good, served),
            GoodputPerSecond = Ratio(good, window),
            SloMet = stable ? Both(SloMet(model, latency, rejection, outcome), generative ? LlmSloMet(model, ttft, tpot) : null) : false,
            TtftMs = generative ? Summary(ttft) : null,
            TpotMs = generative ? Summary(tpot) : null,
            OutputTokensPerSecond = generative ? Ratio(outputTokens, window) : null,
            WaitMs = Summary(wait),
            LatencyMs = Summary(latency),
            LatencyCdf = latency.Count == 0 ? [] : CdfLevels.Select(q => new CdfPoint(latency.Quantile(q), q)).ToList(),
            Pools = poolResults,
            Classes = classes,
            TimeSeries = outcome.Series,
            Replications = 1,
            Seed = model.Seed,
            SimulatedSeconds = window,
            Events = outcome.Events,
        };
    }

    private static bool? SloMet(SimulationModel model, LatencyHistogram latency, double rejection, ReplicationOutcome outcome)
    {
        var hasLatencyTarget = model.Classes.Any(c => !double.IsPositiveInfinity(c.SloLatencySeconds));
        if (!hasLatencyTarget && model.SloMaxRejectionPercent is null)
        {
            return null;
        }

        if (model.SloMaxRejectionPercent is { } ceiling && rejection * 100 > ceiling)
        {
            return false;
        }

        if (model.Classes.Count == 1)
        {
            var c = model.Classes[0];
            return double.IsPositiveInfinity(c.SloLatencySeconds) || latency.Quantile(c.SloPercentile / 100) <= c.SloLatencySeconds * 1000;
        }

        for (var i = 0; i < model.Classes.Count; i++)
        {
            var c = model.Classes[i];
            if (!double.IsPositiveInfinity(c.SloLatencySeconds) && outcome.Classes[i].Latency.Quantile(c.SloPercentile / 100) > c.SloLatencySeconds * 1000)
            {
                return false;
            }
        }

        return true;
    }

    private static bool? LlmSloMet(SimulationModel model, LatencyHistogram ttft, LatencyHistogram tpot)
    {
        if (double.IsPositiveInfinity(model.SloTtftMs) && double.IsPositiveInfinity(model.SloTpotMs))
        {
            return null;
        }

        var q = model.SloPercentile / 100;
        return ttft.Quantile(q) <= model.SloTtftMs && tpot.Quantile(q) <= model.SloTpotMs;
    }

    private static double? Finite(double value) => double.IsFinite(value) ? value : null;

    private static bool? Both(bool? a, bool? b) => a is null ? b : b is null ? a : a.Value && b.Value;

    private static LatencySummary Summary(LatencyHistogram h) =>
        new(h.Mean, h.Quantile(0.50), h.Quantile(0.90), h.Quantile(0.95), h.Quantile(0.99), h.Quantile(0.999), h.Max);

    private static List<BatchShare> BatchShares(long[] counts, long batches)
    {
        var shares = new List<BatchShare>();
        for (var size = 1; size < counts.Length; size++)
        {
            if (counts[size] > 0)
            {
                shares.Add(new BatchShare(size, (double)counts[size] / batches));
            }
        }

        return shares;
    }

    private static double Ratio(double numerator, double denominator) => denominator > 0 ? numerator / denominator : 0;
}
