using System.Diagnostics;
using InferencePlanner.Calibration.Costs;
using InferencePlanner.Calibration.Onnx.Proto;
using InferencePlanner.Core.Catalog;
using InferencePlanner.Core.Profiles;
using MathNet.Numerics;
using Microsoft.ML.OnnxRuntime;

namespace InferencePlanner.Calibration.Profiling;

/// <summary>What to profile: a model (built or read), the input shapes for a batch, and its cost when known.</summary>
public sealed record ModelUnderTest(
    string Name,
    Func<int, bool, (InferenceSession Session, ExecutionProviderChoice Provider)> Open,
    Func<int, IReadOnlyDictionary<string, long[]>> InputShapes,
    Func<int, GraphCost?> Cost,
    string? Description = null)
{
    /// <summary>Opens the model with ONNX Runtime's profiler writing to the given prefix (for class timings).</summary>
    public Func<int, string, (InferenceSession Session, ExecutionProviderChoice Provider)>? OpenProfiled { get; init; }

    public static ModelUnderTest From(Models.ZooModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var bytes = Google.Protobuf.MessageExtensions.ToByteArray(model.Proto);
        return new ModelUnderTest(
            model.Name,
            (threads, cuda) => OrtSessionFactory.Create(ModelProto.Parser.ParseFrom(bytes), threads, cuda),
            model.InputShapes,
            batch => GraphCost.Analyze(model.Proto, model.InputShapes(batch)),
            model.Description)
        {
            OpenProfiled = (threads, prefix) => OrtSessionFactory.Create(ModelProto.Parser.ParseFrom(bytes), threads, enableProfiling: true, profilePrefix: prefix),
        };
    }
}

public sealed record ProfilerOptions
{
    public IReadOnlyList<int> Batches { get; init; } = [1, 2, 4, 8];
    public int Threads { get; init; } = Environment.ProcessorCount;
    public int WarmupRuns { get; init; } = 3;
    public int MinRuns { get; init; } = 10;
    public int MaxRuns { get; init; } = 500;

    /// <summary>Measure each batch size for at least this long (after warm-up), in interleaved rounds.</summary>
    public double MinSecondsPerBatch { get; init; } = 1.0;

    public bool PreferCuda { get; init; }

    /// <summary>Also time each operator class (ONNX Runtime's own profiler) to learn class efficiencies.</summary>
    public bool OperatorClasses { get; init; } = true;
}

public sealed record ProfilerProgress(string Stage, double Fraction);

/// <summary>
/// Measures latency by batch size with ONNX Runtime on pinned threads: warm-up, repeated runs in rounds
/// over all batch sizes (so background load falls on all of them alike), outliers
/// beyond Q3 + 3·IQR set aside, median / p90 / p99 per batch size; then fits α + β·b with R², takes the
/// jitter for the simulator, and relates the achieved FLOP/s to the GEMM microbenchmark here.
/// </summary>
public static class Profiler
{
    public static ThroughputProfile Run(ModelUnderTest model, ProfilerOptions options, IProgress<ProfilerProgress>? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Batches.Count == 0 || options.Batches.Any(b => b < 1))
        {
            throw new ArgumentException("batches must be whole numbers ≥ 1", nameof(options));
        }

        // The GEMM microbenchmark before and after the model's runs: if they disagree, something else used the cores.
        progress?.Report(new ProfilerProgress("GEMM microbenchmark (before the runs)", 0));
        var gemmBefore = Microbenchmarks.GemmGflops(options.Threads);
        var (session, provider) = model.Open(options.Threads, options.PreferCuda);
        List<ProfileMeasurement> points;
        using (session)
        {
            // Rounds over every batch size, so that anything else the machine does weighs on all alike.
            var timings = MeasureInterleaved(session, options.Batches, model.InputShapes, options, progress, cancellation);
            points = options.Batches.Select(b => Summarise(b, timings[b])).ToList();
        }

        progress?.Report(new ProfilerProgress("GEMM and bandwidth microbenchmarks", 0.6));
        var gemm = Microbenchmarks.GemmGflops(options.Threads);
        var bandwidth = Microbenchmarks.BandwidthGBps(options.Threads);

        var costs = options.Batches.Select(b => model.Cost(b)).ToList();
        var best = points.Select((p, i) => (Point: p, Cost: costs[i]))
            .Where(x => x.Cost is not null)
            .Select(x => x.Cost!.TotalFlops / (x.Point.MedianMs / 1000) / 1e9)
            .DefaultIfEmpty(double.NaN)
            .Max();

        IReadOnlyDictionary<string, double>? classes = null;
        if (options.OperatorClasses && costs[^1] is { } lastCost)
        {
            progress?.Report(new ProfilerProgress("operator classes", 0.8));
            classes = OperatorClassTimer.Efficiencies(model, options.Batches[^1], options.Threads, lastCost, points[^1].MedianMs, gemm, bandwidth, cancellation);
        }

        progress?.Report(new ProfilerProgress("done", 1));
        var host = LocalMachine.Describe();
        var busy = BusyWarning(gemmBefore, gemm);
        var firstCost = costs.FirstOrDefault(c => c is not null);
        return new ThroughputProfile
        {
            Id = $"{model.Name}-local-cpu-fp32",
            Model = model.Name,
            Kind = ThroughputProfile.Measured,
            Device = LocalMachine.DeviceId,
            Precision = "fp32",
            Description = model.Description,
            Provenance = new ProfileProvenance
            {
                Date = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
                CpuModel = host.CpuModel,
                LogicalCores = host.LogicalCores,
                IsaFlags = host.IsaFlags,
                OnnxRuntimeVersion = OrtSessionFactory.RuntimeVersion,
                ExecutionProvider = provider.Provider,
                FallbackReason = provider.FallbackReason,
                Threads = options.Threads,
                OperatingSystem = host.OperatingSystem,
                Method = "live ONNX Runtime runs; median of repeated runs per batch size after warm-up, outliers beyond Q3 + 3·IQR set aside",
            },
            Points = points,
            Fit = FitLine(points),
            JitterScv = points.Average(p => p.Scv),
            FlopsPerItem = firstCost is null ? 0 : firstCost.TotalFlops / options.Batches[costs.IndexOf(firstCost)],
            WeightBytes = firstCost?.WeightBytes ?? 0,
            AchievedGflops = double.IsNaN(best) ? null : best,
            GemmGflops = gemm,
            GemmGflopsBefore = gemmBefore,
            Warnings = busy is null ? null : [busy],
            BandwidthGBps = bandwidth,
            ShareOfAchievablePeak = double.IsNaN(best) ? null : best / gemm,
            ClassEfficiency = classes,
        };
    }

    /// <summary>How far apart two GEMM measurements may be on a quiet machine: best-of-runs rates repeat within a few percent.</summary>
    public const double BusySpread = 0.15;

    /// <summary>
    /// A warning in words when the GEMM microbenchmark measured before and after the model's runs differ by more than
    /// <see cref="BusySpread"/> of the faster (other work competed for the cores, or the clock throttled); null when they agree.
    /// </summary>
    public static string? BusyWarning(double gemmBefore, double gemmAfter)
    {
        var fast = Math.Max(gemmBefore, gemmAfter);
        var spread = fast > 0 ? Math.Abs(gemmBefore - gemmAfter) / fast : 0;
        return spread > BusySpread
            ? string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"the machine looked busy: the GEMM microbenchmark gave {gemmBefore:N0} GFLOP/s before the runs and {gemmAfter:N0} GFLOP/s after ({spread:P0} apart; a quiet machine repeats within {BusySpread:P0}). Other work competed for the cores or the clock throttled, so these times may be slow: measure again when the machine is quiet.")
            : null;
    }

    /// <summary>
    /// Timed runs of several batch sizes taken in rounds (each round runs every batch size once, smallest
    /// first), after <see cref="ProfilerOptions.WarmupRuns"/> warm-up rounds; rounds continue until every
    /// size has <see cref="ProfilerOptions.MinRuns"/> runs and the sizes together have run for
    /// <see cref="ProfilerOptions.MinSecondsPerBatch"/> each, or <see cref="ProfilerOptions.MaxRuns"/> rounds.
    /// </summary>
    internal static Dictionary<int, List<double>> MeasureInterleaved(InferenceSession session, IReadOnlyList<int> batches,
        Func<int, IReadOnlyDictionary<string, long[]>> shapes, ProfilerOptions options, IProgress<ProfilerProgress>? progress = null,
        CancellationToken cancellation = default)
    {
        var sets = batches.ToDictionary(b => b, b => new InputSet(session, shapes(b)));
        var timings = batches.ToDictionary(b => b, _ => new List<double>());
        using var runOptions = new RunOptions();
        var budget = options.MinSecondsPerBatch * batches.Count;
        var clock = Stopwatch.StartNew();
        try
        {
            for (var round = 0; ; round++)
            {
                var measured = round - options.WarmupRuns;
                if (measured >= options.MaxRuns || (measured >= options.MinRuns && clock.Elapsed.TotalSeconds >= budget))
                {
                    break;
                }

                if (measured == 0)
                {
                    clock.Restart();
                }

                cancellation.ThrowIfCancellationRequested();
                foreach (var batch in batches)
                {
                    var inputs = sets[batch];
                    var start = Stopwatch.GetTimestamp();
                    using (session.Run(runOptions, inputs.Names, inputs.Values, session.OutputNames))
                    {
                        if (measured >= 0)
                        {
                            timings[batch].Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                        }
                    }
                }

                if (measured >= 0 && (measured & 15) == 0)
                {
                    var done = Math.Max((double)measured / options.MaxRuns, budget > 0 ? clock.Elapsed.TotalSeconds / budget : 0);
                    progress?.Report(new ProfilerProgress($"batches {string.Join(", ", batches)}: {measured} rounds", 0.6 * Math.Min(1, done)));
                }
            }
        }
        finally
        {
            foreach (var set in sets.Values)
            {
                set.Dispose();
            }
        }

        return timings;
    }

    internal static ProfileMeasurement Summarise(int batch, List<double> timings)
    {
        var sorted = timings.Order().ToArray();
        var q1 = Quantile(sorted, 0.25);
        var q3 = Quantile(sorted, 0.75);
        var fence = q3 + (3 * (q3 - q1));
        var kept = sorted.Where(t => t <= fence).ToArray();
        var mean = kept.Average();
        var variance = kept.Length > 1 ? kept.Sum(t => (t - mean) * (t - mean)) / (kept.Length - 1) : 0;
        return new ProfileMeasurement
        {
            Batch = batch,
            MedianMs = Quantile(kept, 0.5),
            P90Ms = Quantile(kept, 0.9),
            P99Ms = Quantile(kept, 0.99),
            MeanMs = mean,
            Runs = timings.Count,
            Outliers = sorted.Length - kept.Length,
            Scv = mean > 0 ? variance / (mean * mean) : 0,
        };
    }

    /// <summary>Least squares α + β·b over the points' medians, with R² (MathNet).</summary>
    public static LinearFit? FitLine(IReadOnlyList<ProfileMeasurement> points)
    {
        ArgumentNullException.ThrowIfNull(points);
        if (points.Count < 2)
        {
            return null;
        }

        var x = points.Select(p => (double)p.Batch).ToArray();
        var y = points.Select(p => p.MedianMs).ToArray();
        var (alpha, beta) = Fit.Line(x, y);
        var predicted = x.Select(b => alpha + (beta * b));
        return new LinearFit(alpha, beta, points.Count > 2 ? GoodnessOfFit.RSquared(predicted, y) : 1);
    }

    /// <summary>Linear-interpolated quantile of sorted values (type 7).</summary>
    internal static double Quantile(double[] sorted, double q)
    {
        if (sorted.Length == 0)
        {
            return double.NaN;
        }

        var h = (sorted.Length - 1) * q;
        var lo = (int)Math.Floor(h);
        var hi = Math.Min(lo + 1, sorted.Length - 1);
        return sorted[lo] + ((h - lo) * (sorted[hi] - sorted[lo]));
    }
}

/// <summary>Input tensors for a batch, allocated once and reused by every run.</summary>
internal sealed class InputSet : IDisposable
{
    private readonly List<OrtValue> _values = [];

    public InputSet(InferenceSession session, IReadOnlyDictionary<string, long[]> shapes)
    {
        var random = new Random(42);
        foreach (var name in session.InputNames)
        {
            if (!shapes.TryGetValue(name, out var shape))
            {
                throw new ArgumentException($"no shape for input '{name}'");
            }

            var count = shape.Aggregate(1L, (p, d) => p * d);
            var data = new float[count];
            for (long i = 0; i < count; i++)
            {
                data[i] = (float)(random.NextDouble() - 0.5);
            }

            _values.Add(OrtValue.CreateTensorValueFromMemory(data, shape));
            Names.Add(name);
        }
    }

    public List<string> Names { get; } = [];

    public IReadOnlyCollection<OrtValue> Values => _values;

    public void Dispose()
    {
        foreach (var v in _values)
        {
            v.Dispose();
        }
    }
}
