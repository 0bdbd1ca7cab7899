using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace InferencePlanner.Simulation.Metrics;

/// <summary>
/// A log-linear histogram of positive values in constant memory, in the spirit of HdrHistogram: each power
/// of two is split into 128 equal sub-buckets, so a bucket is at most 1/128 (0.78 %) of its lower bound wide
/// and a quantile reported at the bucket's midpoint is within 0.4 % of a value in that bucket. The bucket
/// index is read straight off the IEEE-754 bits (exponent and top 7 mantissa bits), which is monotone for
/// positive doubles. Zero is counted apart (a query that did not wait). Values below 2^−30 count as
/// zero-adjacent (first bucket); above 2^40 they land in the last bucket and are still exact in max and mean.
/// </summary>
public sealed class LatencyHistogram
{
    private const int SubBucketBits = 7;
    private const int MinExponent = -30;
    private const int MaxExponent = 40;
    private const int BucketCount = (MaxExponent - MinExponent) << SubBucketBits;
    private const long IndexOffset = (1023L + MinExponent) << SubBucketBits;

    private readonly long[] _counts = new long[BucketCount];

    /// <summary>Largest relative distance of a reported quantile from the values of its bucket.</summary>
    public const double RelativeResolution = 1.0 / (1 << (SubBucketBits + 1));

    public long Count { get; private set; }
    public long ZeroCount { get; private set; }
    public double Sum { get; private set; }
    public double Max { get; private set; }
    public double Min { get; private set; } = double.PositiveInfinity;

    public double Mean => Count == 0 ? 0 : Sum / Count;

    public void Record(double value)
    {
        Count++;
        Sum += value;
        if (value > Max)
        {
            Max = value;
        }

        if (value < Min)
        {
            Min = value;
        }

        if (value <= 0)
        {
            ZeroCount++;
            return;
        }

        var index = (BitConverter.DoubleToInt64Bits(value) >> (52 - SubBucketBits)) - IndexOffset;
        if ((ulong)index >= BucketCount)
        {
            index = index < 0 ? 0 : BucketCount - 1;
        }

        // In range by the clamp above: no bounds check on the hot path.
        Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_counts), (nint)index)++;
    }

    public void Add(LatencyHistogram other)
    {
        ArgumentNullException.ThrowIfNull(other);
        for (var i = 0; i < BucketCount; i++)
        {
            _counts[i] += other._counts[i];
        }

        Count += other.Count;
        ZeroCount += other.ZeroCount;
        Sum += other.Sum;
        Max = Math.Max(Max, other.Max);
        Min = Math.Min(Min, other.Min);
    }

    /// <summary>
    /// The q-quantile (q in [0, 1]) by nearest rank: the smallest recorded value with at least q·Count values at
    /// or below it, reported at its bucket's midpoint and clamped to the observed range.
    /// </summary>
    public double Quantile(double q)
    {
        if (Count == 0)
        {
            return 0;
        }

        var rank = Math.Max(1, (long)Math.Ceiling(q * Count));
        if (rank <= ZeroCount)
        {
            return 0;
        }

        var seen = ZeroCount;
        for (var i = 0; i < BucketCount; i++)
        {
            seen += _counts[i];
            if (seen >= rank)
            {
                var lower = BucketLowerBound(i);
                var upper = BucketLowerBound(i + 1);
                return Math.Clamp(0.5 * (lower + upper), Math.Max(Min, 0), Max);
            }
        }

        return Max;
    }

    /// <summary>The share of recorded values above <paramref name="threshold"/> (bucket resolution).</summary>
    public double FractionAbove(double threshold)
    {
        if (Count == 0)
        {
            return 0;
        }

        if (threshold < 0)
        {
            return 1;
        }

        long above = 0;
        for (var i = BucketCount - 1; i >= 0 && BucketLowerBound(i) >= threshold; i--)
        {
            above += _counts[i];
        }

        return (double)above / Count;
    }

    private static double BucketLowerBound(int index) =>
        BitConverter.Int64BitsToDouble((index + IndexOffset) << (52 - SubBucketBits));
}
