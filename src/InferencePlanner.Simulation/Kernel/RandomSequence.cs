using MathNet.Numerics.Random;

namespace InferencePlanner.Simulation.Kernel;

/// <summary>
/// One seeded stream of uniform numbers for one purpose (arrivals, service, routing, …), so that two fleets
/// can be compared on the same arrivals. Draws come from MathNet's xoshiro256**, a block at a time, so the hot
/// path pays an array read rather than a virtual call per number.
/// </summary>
public sealed class RandomSequence
{
    private const int BlockSize = 512;
    private readonly Xoshiro256StarStar _source;
    private readonly double[] _block = new double[BlockSize];
    private int _next = BlockSize;

    public RandomSequence(int seed) => _source = new Xoshiro256StarStar(seed, threadSafe: false);

    /// <summary>Streams are told apart by purpose: each simulation part draws from its own.</summary>
    public enum Purpose
    {
        Arrivals = 1,
        Service = 2,
        Routing = 3,
        Classes = 4,
        Jitter = 5,
        Tokens = 6,
    }

    /// <summary>The stream of <paramref name="purpose"/> (and <paramref name="index"/>, e.g. a pool) in one replication.</summary>
    public static RandomSequence For(long seed, int replication, Purpose purpose, int index = 0)
    {
        // SplitMix64 over the tuple: neighbouring seeds and replications give unrelated streams.
        var x = unchecked((ulong)seed * 0x9E3779B97F4A7C15UL);
        x = Mix(x ^ ((ulong)(uint)replication << 1));
        x = Mix(x ^ ((ulong)purpose << 40));
        x = Mix(x ^ ((ulong)(uint)index << 20));
        return new RandomSequence(unchecked((int)(x ^ (x >> 32))));
    }

    /// <summary>Uniform on [0, 1).</summary>
    public double NextDouble()
    {
        if (_next == BlockSize)
        {
            _source.NextDoubles(_block);
            _next = 0;
        }

        return _block[_next++];
    }

    /// <summary>Uniform on (0, 1]: safe under a logarithm.</summary>
    public double NextOpenDouble() => 1.0 - NextDouble();

    /// <summary>Exponential with the given mean.</summary>
    public double Exponential(double mean) => -mean * Math.Log(NextOpenDouble());

    /// <summary>Standard normal (Box–Muller; one of the pair is used, so the stream stays position-independent).</summary>
    public double StandardNormal() => Math.Sqrt(-2.0 * Math.Log(NextOpenDouble())) * Math.Cos(2.0 * Math.PI * NextDouble());

    private static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
