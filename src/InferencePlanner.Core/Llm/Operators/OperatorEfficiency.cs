using System.Runtime.CompilerServices;

namespace InferencePlanner.Core.Llm.Operators;

/// <summary>A device's published figures an operator's time is carried by: achievable matmul FLOP/s, memory bytes/s and link bytes/s (per direction).</summary>
public sealed record DeviceFigures(double FlopsPerSecond, double BytesPerSecond, double? LinkBytesPerSecond);

/// <summary>
/// What one operator class achieves on the measured device: a fixed cost per kernel and the shares of the device's
/// compute and bandwidth it reaches, t = fixed + √((flops / (share_c × compute))² + (bytes / (share_m × bandwidth))²)
/// (a smooth roofline: at either bound the slower resource, in between both). Carried to another device by that
/// device's figures, the shares and the fixed cost unchanged.
/// </summary>
public sealed record ClassEfficiency(double FixedSeconds, double ComputeShare, double MemoryShare, double MeanAbsLogError, int Points)
{
    public double Seconds(double flops, double bytes, DeviceFigures device)
    {
        ArgumentNullException.ThrowIfNull(device);
        return FixedSeconds + Roofline(flops, bytes, device);
    }

    /// <summary>The share-weighted roofline part, without the fixed cost.</summary>
    public double Roofline(double flops, double bytes, DeviceFigures device)
    {
        ArgumentNullException.ThrowIfNull(device);
        var c = flops / (ComputeShare * device.FlopsPerSecond);
        var m = bytes / (MemoryShare * device.BytesPerSecond);
        return c == 0 ? m : m == 0 ? c : Math.Sqrt((c * c) + (m * m));
    }

    /// <summary>The compute-bound share of the roofline part (what the step's power follows).</summary>
    public double ComputeFraction(double flops, double bytes, DeviceFigures device)
    {
        ArgumentNullException.ThrowIfNull(device);
        var c = flops / (ComputeShare * device.FlopsPerSecond);
        var m = bytes / (MemoryShare * device.BytesPerSecond);
        return c + m <= 0 ? 0 : c / (c + m);
    }
}

/// <summary>An all-reduce's fixed cost and the share of the link bandwidth the ring reaches: t = fixed + 2(n−1)/n × bytes / (share × link).</summary>
public sealed record CollectiveEfficiency(double FixedSeconds, double LinkShare, double MeanAbsLogError, int Points)
{
    public double Seconds(double bytes, int workers, double linkBytesPerSecond) =>
        workers <= 1 ? 0 : FixedSeconds + (2.0 * (workers - 1) / workers * bytes / (LinkShare * linkBytesPerSecond));
}

/// <summary>The efficiencies learned from one device's tables, per operator class, and for its all-reduce.</summary>
public sealed class OperatorEfficiency
{
    private static readonly ConditionalWeakTable<OperatorLibrary, ConcurrentCache> Learned = [];

    private sealed class ConcurrentCache
    {
        public readonly System.Collections.Concurrent.ConcurrentDictionary<DeviceFigures, OperatorEfficiency> ByFigures = new();
    }

    private OperatorEfficiency(IReadOnlyDictionary<OperatorClass, ClassEfficiency> classes, CollectiveEfficiency? allReduce, DeviceFigures source)
    {
        Classes = classes;
        AllReduce = allReduce;
        Source = source;
    }

    public IReadOnlyDictionary<OperatorClass, ClassEfficiency> Classes { get; }

    public CollectiveEfficiency? AllReduce { get; }

    /// <summary>The measured device's figures the shares are relative to.</summary>
    public DeviceFigures Source { get; }

    /// <summary>
    /// Learns each class's fixed cost and shares from the measured points by least mean absolute log error (a
    /// deterministic grid, refined around its best three times). GEMMs fit all three; the memory-bound classes
    /// (norm, rope, activation, add, embedding) their fixed cost and bandwidth share.
    /// </summary>
    public static OperatorEfficiency Learn(OperatorLibrary library, DeviceFigures source)
    {
        ArgumentNullException.ThrowIfNull(library);
        ArgumentNullException.ThrowIfNull(source);
        return Learned.GetOrCreateValue(library).ByFigures.GetOrAdd(source, s => Fit(library, s));
    }

    /// <summary>
    /// These efficiencies with the classes (and the all-reduce) they lack taken from <paramref name="fallback"/>: a
    /// user's table of a few operators, or one without network curves, still costs every operator.
    /// </summary>
    public OperatorEfficiency CompletedBy(OperatorEfficiency fallback)
    {
        ArgumentNullException.ThrowIfNull(fallback);
        if (Enum.GetValues<OperatorClass>().All(Classes.ContainsKey) && AllReduce is not null)
        {
            return this;
        }

        var classes = Enum.GetValues<OperatorClass>().Where(c => Classes.ContainsKey(c) || fallback.Classes.ContainsKey(c))
            .ToDictionary(c => c, c => Classes.TryGetValue(c, out var own) ? own : fallback.Classes[c]);
        return new OperatorEfficiency(classes, AllReduce ?? fallback.AllReduce, Source);
    }

    /// <summary>Every class at one assumed efficiency (no measured tables anywhere); no all-reduce model.</summary>
    public static OperatorEfficiency Assumed(ClassEfficiency every)
    {
        ArgumentNullException.ThrowIfNull(every);
        return new OperatorEfficiency(Enum.GetValues<OperatorClass>().ToDictionary(c => c, _ => every), null, new DeviceFigures(1, 1, null));
    }

    private static OperatorEfficiency Fit(OperatorLibrary library, DeviceFigures source)
    {
        var classes = new Dictionary<OperatorClass, ClassEfficiency>();
        foreach (var group in library.Points.GroupBy(p => p.Shape.Class).OrderBy(g => g.Key))
        {
            // The fit weighs every octave of batch size alike: the points at whole powers of two and their midpoints.
            var points = group.Where(p => FitTokens.Contains(p.Tokens))
                .Select(p => (Flops: p.Shape.Flops(p.Tokens), Bytes: p.Shape.Bytes(p.Tokens), p.Seconds)).Where(p => p.Seconds > 0).ToArray();
            if (points.Length == 0)
            {
                continue;
            }

            var computeBound = group.Key == OperatorClass.Gemm;
            classes[group.Key] = FitClass(points, source, computeBound);
        }

        CollectiveEfficiency? allReduce = null;
        if (library.AllReducePoints.Count > 0 && source.LinkBytesPerSecond is { } link)
        {
            allReduce = FitCollective(library.AllReducePoints, link);
        }

        return new OperatorEfficiency(classes, allReduce, source);
    }

    private static readonly HashSet<double> FitTokens = [1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024, 1536, 2048, 3072, 4096];

    private static ClassEfficiency FitClass((double Flops, double Bytes, double Seconds)[] points, DeviceFigures source, bool computeBound)
    {
        // Grid: fixed 0..40 µs, shares 0.02..1.2; then three refinements around the best.
        double fixedLo = 0, fixedHi = 40e-6, cLo = 0.05, cHi = 1.2, mLo = 0.02, mHi = 1.2;
        var best = (Error: double.PositiveInfinity, Fixed: 0.0, C: 1.0, M: 1.0);
        for (var round = 0; round < 4; round++)
        {
            const int n = 12;
            for (var i = 0; i <= n; i++)
            {
                var f = fixedLo + ((fixedHi - fixedLo) * i / n);
                for (var j = 0; j <= (computeBound ? n : 0); j++)
                {
                    var c = computeBound ? cLo + ((cHi - cLo) * j / n) : 1;
                    for (var k = 0; k <= n; k++)
                    {
                        var m = mLo + ((mHi - mLo) * k / n);
                        var candidate = new ClassEfficiency(f, c, m, 0, 0);
                        double error = 0;
                        foreach (var p in points)
                        {
                            error += Math.Abs(Math.Log(candidate.Seconds(p.Flops, p.Bytes, source) / p.Seconds));
                        }

                        error /= points.Length;
                        if (error < best.Error)
                        {
                            best = (error, f, c, m);
                        }
                    }
                }
            }

            var (df, dc, dm) = ((fixedHi - fixedLo) / 8, (cHi - cLo) / 8, (mHi - mLo) / 8);
            (fixedLo, fixedHi) = (Math.Max(0, best.Fixed - df), best.Fixed + df);
            (cLo, cHi) = (Math.Max(0.01, best.C - dc), best.C + dc);
            (mLo, mHi) = (Math.Max(0.005, best.M - dm), best.M + dm);
        }

        return new ClassEfficiency(best.Fixed, computeBound ? best.C : 1, best.M, best.Error, points.Length);
    }

    /// <summary>
    /// The all-reduce's fixed cost is the lowest latency the curves show (the links' floor: at small sizes the medians
    /// scatter from it by host launch and synchronization, which an engine replaying captured graphs does not pay);
    /// the ring's share of the link is learned from the messages of a mebibyte and more, where bandwidth rules.
    /// </summary>
    private static CollectiveEfficiency? FitCollective(IReadOnlyList<(int Workers, double Bytes, double Seconds)> points, double link)
    {
        var usable = points.Where(p => p.Seconds > 0 && p.Workers > 1).ToArray();
        if (usable.Length == 0)
        {
            return null;
        }

        var floor = usable.Min(p => p.Seconds);
        var large = usable.Where(p => p.Bytes >= 1 << 20).ToArray();
        if (large.Length == 0)
        {
            large = usable; // no large messages measured: the share from what there is
        }

        double sLo = 0.02, sHi = 1.5;
        var best = (Error: double.PositiveInfinity, Share: 1.0);
        for (var round = 0; round < 4; round++)
        {
            const int n = 48;
            for (var j = 0; j <= n; j++)
            {
                var s = sLo + ((sHi - sLo) * j / n);
                var candidate = new CollectiveEfficiency(floor, s, 0, 0);
                double error = 0;
                foreach (var p in large)
                {
                    error += Math.Abs(Math.Log(candidate.Seconds(p.Bytes, p.Workers, link) / p.Seconds));
                }

                error /= Math.Max(large.Length, 1);
                if (error < best.Error)
                {
                    best = (error, s);
                }
            }

            var ds = (sHi - sLo) / 8;
            (sLo, sHi) = (Math.Max(0.005, best.Share - ds), best.Share + ds);
        }

        return new CollectiveEfficiency(floor, best.Share, best.Error, large.Length);
    }
}
