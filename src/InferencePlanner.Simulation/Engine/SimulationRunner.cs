using InferencePlanner.Simulation.Metrics;
using InferencePlanner.Simulation.Results;
using MathNet.Numerics.Distributions;

namespace InferencePlanner.Simulation.Engine;

/// <summary>Progress of a run: the fraction done over all replications.</summary>
public sealed record SimulationProgress(double Fraction, int ReplicationsDone, int Replications);

public sealed record SimulationOptions
{
    public int Replications { get; init; } = 1;

    /// <summary>Replications run at once; null = one per core. Results do not depend on it.</summary>
    public int? MaxDegreeOfParallelism { get; init; }

    public IProgress<SimulationProgress>? Progress { get; init; }
}

/// <summary>
/// Runs a model: checks stability, runs independent replications in parallel (replication r draws from
/// streams seeded by (seed, r), so results do not depend on the thread count), and summarises them.
/// </summary>
public static class SimulationRunner
{
    public const int MaxReplications = 1000;

    public static SimulationResult Run(SimulationModel model, SimulationOptions? options = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        options ??= new SimulationOptions();
        var replications = options.Replications;
        if (replications < 1 || replications > MaxReplications)
        {
            throw new ArgumentOutOfRangeException(nameof(options), replications, $"replications must be from 1 to {MaxReplications}");
        }

        var verdict = StabilityCheck.Assess(model);
        if (!verdict.Stable)
        {
            return new SimulationResult
            {
                Stable = false,
                Reason = verdict.Reason,
                CapacityPerSecond = verdict.CapacityPerSecond,
                OfferedLoadPerSecond = verdict.OfferedLoadPerSecond,
                Replications = replications,
                Seed = model.Seed,
                Pools = model.Pools.Select(p => new PoolResult { Name = p.Name, Device = p.Device, Region = p.Region, Servers = p.Servers, Edge = p.IsEdge, CapacityPerSecond = Finite(p.CapacityPerSecond) }).ToList(),
            };
        }

        var results = new SimulationResult[replications];
        var fractions = new double[replications];
        var done = 0;
        var gate = new object();
        var lastReport = 0.0;
        void Report(int r, double fraction)
        {
            if (options.Progress is null)
            {
                return;
            }

            lock (gate)
            {
                fractions[r] = fraction;
                var total = fractions.Sum() / replications;
                if (total - lastReport >= 0.01 || fraction >= 1)
                {
                    lastReport = total;
                    options.Progress.Report(new SimulationProgress(total, done, replications));
                }
            }
        }

        Parallel.For(
            0,
            replications,
            new ParallelOptions { MaxDegreeOfParallelism = options.MaxDegreeOfParallelism ?? Environment.ProcessorCount, CancellationToken = cancellation },
            r =>
            {
                var outcome = new FleetSimulator(model, r).Run(f => Report(r, f), cancellation);
                results[r] = Summarise(model, outcome);
                Interlocked.Increment(ref done);
                Report(r, 1);
            });

        return replications == 1 ? results[0] with { Replications = 1 } : Combine(model, results);
    }

    /// <summary>One replication, optionally observing each measured query (for exact checks).</summary>
    internal static SimulationResult RunReplication(SimulationModel model, int replication, Action<FleetSimulator.QueryRecord>? observer = null) =>
        Summarise(model, new FleetSimulator(model, replication, observer).Run());

    internal static SimulationResult Summarise(SimulationModel model, ReplicationOutcome outcome)
    {
        var window = outcome.WindowSeconds;
        var poolResults = new List<PoolResult>(outcome.Pools.Length);
        var wait = new LatencyHistogram();
        var latency = new LatencyHistogram();
        var ttft = new LatencyHistogram();
        var tpot = new LatencyHistogram();
        long outputTokens = 0;
        long arrivals = 0, served = 0, rejected = 0, abandoned = 0, waited = 0, good = 0, batches = 0, batched = 0, servers = 0;
        double busy = 0, areaQueue = 0, areaSystem = 0;
        for (var i = 0; i < outcome.Pools.Length; i++)
        {
            var pool = outcome.Pools[i];
            var spec = model.Pools[i];
            var poolBusy = pool.BusySeconds.Sum();
            poolResults.Add(new PoolResult
            {
                Name = spec.Name,
                Device = spec.Device,
                Region = spec.Region,
                Servers = spec.Servers,
                Edge = spec.IsEdge,
                Arrivals = pool.Arrivals,
                Completed = pool.Served,
                Rejected = pool.Rejected,
                Abandoned = pool.Abandoned,
                ThroughputPerSecond = Ratio(pool.Served, window),
                Utilization = Ratio(poolBusy, spec.Servers * window),
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
                Llm = pool.Llm is { } llm ? new LlmPoolResult
                {
                    TtftMs = Summary(llm.Ttft),
                    TpotMs = Summary(llm.Tpot),
                    OutputTokensPerSecond = Ratio(llm.OutputTokens, window),
                    GoodputPerSecond = Ratio(llm.Good, window),
                    KvCacheUtilization = Ratio(llm.AreaKvShare, window),
                    Preemptions = llm.Preemptions,
                    MeanRunningSequences = Ratio(llm.AreaRunning, window),
                    Iterations = llm.Iterations,
                    KvCapacityTokensPerReplica = llm.KvCapacity,
                    PeakKvTokensPerReplica = llm.PeakKvUsed,
                    KvTokensAtEnd = llm.KvUsed,
                } : null,
            });
            if (pool.Llm is { } generative)
            {
                ttft.Add(generative.Ttft);
                tpot.Add(generative.Tpot);
                outputTokens += generative.OutputTokens;
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
            ProbabilityOfWait = Ratio(waited, served),
            RejectionProbability = rejection,
            AbandonmentProbability = Ratio(abandoned, arrivals),
            MeanBatchSize = Ratio(batched, batches),
            MeanQueueLength = Ratio(areaQueue, window),
            MeanInSystem = Ratio(areaSystem, window),
            SloAttainment = Ratio(good, served),
            GoodputPerSecond = Ratio(good, window),
            SloMet = stable ? Both(SloMet(model, latency, rejection, outcome), model.HasLlmPools ? LlmSloMet(model, ttft, tpot) : null) : false,
            TtftMs = model.HasLlmPools ? Summary(ttft) : null,
            TpotMs = model.HasLlmPools ? Summary(tpot) : null,
            OutputTokensPerSecond = model.HasLlmPools ? Ratio(outputTokens, window) : null,
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

    private static readonly double[] CdfLevels = [.. Enumerable.Range(1, 99).Select(i => i / 100.0), 0.995, 0.999];

    private static double? Finite(double value) => double.IsFinite(value) ? value : null;

    private static bool? Both(bool? a, bool? b) => a is null ? b : b is null ? a : a.Value && b.Value;

    private static bool? LlmSloMet(SimulationModel model, LatencyHistogram ttft, LatencyHistogram tpot)
    {
        var slo = model.Scenario.Slo;
        if (slo?.TtftMs is null && slo?.TpotMs is null)
        {
            return null;
        }

        var q = (slo.Percentile ?? 99) / 100;
        return (slo.TtftMs is not { } t || ttft.Quantile(q) <= t) && (slo.TpotMs is not { } p || tpot.Quantile(q) <= p);
    }

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

    /// <summary>Counts are summed; every other figure is averaged; key figures get a Student-t 95 % half-width.</summary>
    private static SimulationResult Combine(SimulationModel model, SimulationResult[] runs)
    {
        double Mean(Func<SimulationResult, double> f) => runs.Average(f);
        LatencySummary MeanSummary(Func<SimulationResult, LatencySummary> f) => new(
            Mean(r => f(r).Mean), Mean(r => f(r).P50), Mean(r => f(r).P90), Mean(r => f(r).P95),
            Mean(r => f(r).P99), Mean(r => f(r).P999), runs.Max(r => f(r).Max));

        var first = runs[0];
        var pools = first.Pools.Select((p, i) =>
        {
            double PoolMean(Func<PoolResult, double> f) => runs.Average(r => f(r.Pools[i]));
            LatencySummary PoolSummary(Func<PoolResult, LatencySummary> f) => new(
                PoolMean(q => f(q).Mean), PoolMean(q => f(q).P50), PoolMean(q => f(q).P90), PoolMean(q => f(q).P95),
                PoolMean(q => f(q).P99), PoolMean(q => f(q).P999), runs.Max(r => f(r.Pools[i]).Max));
            return p with
            {
                Arrivals = runs.Sum(r => r.Pools[i].Arrivals),
                Completed = runs.Sum(r => r.Pools[i].Completed),
                Rejected = runs.Sum(r => r.Pools[i].Rejected),
                Abandoned = runs.Sum(r => r.Pools[i].Abandoned),
                ThroughputPerSecond = PoolMean(q => q.ThroughputPerSecond),
                Utilization = PoolMean(q => q.Utilization),
                ProbabilityOfWait = PoolMean(q => q.ProbabilityOfWait),
                RejectionProbability = PoolMean(q => q.RejectionProbability),
                AbandonmentProbability = PoolMean(q => q.AbandonmentProbability),
                MeanBatchSize = PoolMean(q => q.MeanBatchSize),
                MeanQueueLength = PoolMean(q => q.MeanQueueLength),
                MeanInSystem = PoolMean(q => q.MeanInSystem),
                SloAttainment = PoolMean(q => q.SloAttainment),
                GoodputPerSecond = PoolMean(q => q.GoodputPerSecond),
                WaitMs = PoolSummary(q => q.WaitMs),
                LatencyMs = PoolSummary(q => q.LatencyMs),
                BusyDeviceSeconds = PoolMean(q => q.BusyDeviceSeconds),
                IdleDeviceSeconds = PoolMean(q => q.IdleDeviceSeconds),
                BusySecondsByServer = p.BusySecondsByServer is null ? null
                    : Enumerable.Range(0, p.BusySecondsByServer.Count).Select(s => PoolMean(q => q.BusySecondsByServer![s])).ToArray(),
            };
        }).ToList();

        var classes = first.Classes.Select((c, i) => c with
        {
            Arrivals = runs.Sum(r => r.Classes[i].Arrivals),
            Completed = runs.Sum(r => r.Classes[i].Completed),
            Rejected = runs.Sum(r => r.Classes[i].Rejected),
            Abandoned = runs.Sum(r => r.Classes[i].Abandoned),
            SloAttainment = runs.Average(r => r.Classes[i].SloAttainment),
            LatencyMs = new LatencySummary(
                runs.Average(r => r.Classes[i].LatencyMs.Mean), runs.Average(r => r.Classes[i].LatencyMs.P50),
                runs.Average(r => r.Classes[i].LatencyMs.P90), runs.Average(r => r.Classes[i].LatencyMs.P95),
                runs.Average(r => r.Classes[i].LatencyMs.P99), runs.Average(r => r.Classes[i].LatencyMs.P999),
                runs.Max(r => r.Classes[i].LatencyMs.Max)),
        }).ToList();

        var unstable = runs.FirstOrDefault(r => !r.Stable);
        return new SimulationResult
        {
            Stable = unstable is null,
            Reason = unstable?.Reason,
            Arrivals = runs.Sum(r => r.Arrivals),
            Completed = runs.Sum(r => r.Completed),
            Rejected = runs.Sum(r => r.Rejected),
            Abandoned = runs.Sum(r => r.Abandoned),
            ThroughputPerSecond = Mean(r => r.ThroughputPerSecond),
            Utilization = Mean(r => r.Utilization),
            ProbabilityOfWait = Mean(r => r.ProbabilityOfWait),
            RejectionProbability = Mean(r => r.RejectionProbability),
            AbandonmentProbability = Mean(r => r.AbandonmentProbability),
            MeanBatchSize = Mean(r => r.MeanBatchSize),
            MeanQueueLength = Mean(r => r.MeanQueueLength),
            MeanInSystem = Mean(r => r.MeanInSystem),
            SloAttainment = Mean(r => r.SloAttainment),
            GoodputPerSecond = Mean(r => r.GoodputPerSecond),
            SloMet = runs.All(r => r.SloMet is null) ? null : runs.Count(r => r.SloMet == true) * 2 > runs.Length,
            WaitMs = MeanSummary(r => r.WaitMs),
            LatencyMs = MeanSummary(r => r.LatencyMs),
            LatencyCdf = first.LatencyCdf.Select((p, i) => p with { Ms = runs.Average(r => r.LatencyCdf.Count > i ? r.LatencyCdf[i].Ms : 0) }).ToList(),
            Pools = pools,
            Classes = classes,
            TimeSeries = first.TimeSeries,
            Replications = runs.Length,
            Seed = model.Seed,
            SimulatedSeconds = Mean(r => r.SimulatedSeconds),
            Events = runs.Sum(r => r.Events),
            Ci95 = new Ci95
            {
                ThroughputPerSecond = HalfWidth(runs, r => r.ThroughputPerSecond),
                Utilization = HalfWidth(runs, r => r.Utilization),
                ProbabilityOfWait = HalfWidth(runs, r => r.ProbabilityOfWait),
                RejectionProbability = HalfWidth(runs, r => r.RejectionProbability),
                AbandonmentProbability = HalfWidth(runs, r => r.AbandonmentProbability),
                MeanQueueLength = HalfWidth(runs, r => r.MeanQueueLength),
                SloAttainment = HalfWidth(runs, r => r.SloAttainment),
                MeanWaitMs = HalfWidth(runs, r => r.WaitMs.Mean),
                MeanLatencyMs = HalfWidth(runs, r => r.LatencyMs.Mean),
                P99WaitMs = HalfWidth(runs, r => r.WaitMs.P99),
                P99LatencyMs = HalfWidth(runs, r => r.LatencyMs.P99),
            },
        };
    }

    /// <summary>t(0.975, n−1) · s / √n over the replications.</summary>
    internal static double HalfWidth<T>(IReadOnlyList<T> runs, Func<T, double> metric)
    {
        var n = runs.Count;
        if (n < 2)
        {
            return 0;
        }

        var values = runs.Select(metric).ToArray();
        var mean = values.Average();
        var variance = values.Sum(v => (v - mean) * (v - mean)) / (n - 1);
        return StudentT.InvCDF(0, 1, n - 1, 0.975) * Math.Sqrt(variance / n);
    }
}
