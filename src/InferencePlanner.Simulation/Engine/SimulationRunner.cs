using InferencePlanner.Simulation.Results;

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
/// streams seeded by (seed, r), so results do not depend on the thread count), and merges them
/// (<see cref="SimulationResult.Merge"/>).
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

        if (Refusal(model, replications) is { } refused)
        {
            return refused;
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

        void Replicate(int r)
        {
            results[r] = ReplicationSummary.Of(model, new FleetSimulator(model, r).Run(f => Report(r, f), cancellation));
            Interlocked.Increment(ref done);
            Report(r, 1);
        }

        if (replications == 1)
        {
            Replicate(0); // on the caller's thread: one replication needs no thread pool
        }
        else
        {
            Parallel.For(
                0,
                replications,
                new ParallelOptions { MaxDegreeOfParallelism = options.MaxDegreeOfParallelism ?? Environment.ProcessorCount, CancellationToken = cancellation },
                Replicate);
        }

        return Join(model, results);
    }

    /// <summary>
    /// The verdict before any run: the unstable result (reason, capacity, offered load) when the model cannot keep up and
    /// is checked before running; null when it may run.
    /// </summary>
    public static SimulationResult? Refusal(SimulationModel model, int replications)
    {
        ArgumentNullException.ThrowIfNull(model);
        var verdict = StabilityCheck.Assess(model);
        if (verdict.Stable || !model.CheckBeforeRun)
        {
            return null;
        }

        return new SimulationResult
        {
            Stable = false,
            Reason = verdict.Reason,
            CapacityPerSecond = verdict.CapacityPerSecond,
            OfferedLoadPerSecond = verdict.OfferedLoadPerSecond,
            Replications = replications,
            Seed = model.Seed,
            Pools = model.Pools.Select(p => new PoolResult { Name = p.Name, Device = p.Device, Region = p.Region, Servers = p.Servers, DevicesPerServer = p.Spec.Llm?.TensorParallel ?? 1, Edge = p.IsEdge, CapacityPerSecond = Finite(p.CapacityPerSecond) }).ToList(),
        };
    }

    /// <summary>
    /// Replication <paramref name="replication"/> alone (a chunk that can run anywhere): it draws from streams seeded by
    /// (seed, replication), so it is the same wherever and whenever it runs. <see cref="Join"/> merges such chunks into
    /// exactly what <see cref="Run"/> gives.
    /// </summary>
    public static SimulationResult Replication(SimulationModel model, int replication, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfNegative(replication);
        return ReplicationSummary.Of(model, new FleetSimulator(model, replication).Run(null, cancellation));
    }

    /// <summary>Replications 0..n-1 merged in that order (Student-t over replications), with the nearest closed form.</summary>
    public static SimulationResult Join(SimulationModel model, IReadOnlyList<SimulationResult> replications)
    {
        ArgumentNullException.ThrowIfNull(model);
        return SimulationResult.Merge(replications) with { ClosedForm = NearestClosedForm.For(model) };
    }

    /// <summary>One replication, optionally observing each measured query (for exact checks).</summary>
    internal static SimulationResult RunReplication(SimulationModel model, int replication, Action<Metrics.QueryRecord>? observer = null) =>
        ReplicationSummary.Of(model, new FleetSimulator(model, replication, observer).Run());

    private static double? Finite(double value) => double.IsFinite(value) ? value : null;
}
