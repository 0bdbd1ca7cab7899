using System.Diagnostics;
using InferencePlanner.Calibration.Models;
using Microsoft.ML.OnnxRuntime;

namespace InferencePlanner.Calibration.Profiling;

/// <summary>
/// The host's achievable rates through the same runtime and thread count the profiles use: a large fp32
/// matrix product (the achievable peak a model's FLOP/s is compared with) and a streaming element-wise add
/// (achievable memory bandwidth).
/// </summary>
public static class Microbenchmarks
{
    /// <summary>GFLOP/s of an n×n by n×n MatMul (2n³ FLOPs a run), the best of several timed runs.</summary>
    public static double GemmGflops(int threads, int n = 1024, double seconds = 0.5)
    {
        var g = new GraphBuilder("gemm");
        var a = g.Input("a", n, n);
        g.Rename(g.Node("MatMul", [a, g.Weight("b", [n, n], 0.01f)]), "c");
        g.Output("c", n, n);
        var best = Best(g, threads, new Dictionary<string, long[]> { ["a"] = [n, n] }, seconds);
        return 2.0 * n * n * n / best / 1e9;
    }

    /// <summary>GB/s of c = a + b over vectors of <paramref name="elements"/> floats (three streams a run).</summary>
    public static double BandwidthGBps(int threads, int elements = 16 * 1024 * 1024, double seconds = 0.5)
    {
        var g = new GraphBuilder("stream");
        var a = g.Input("a", elements);
        var b = g.Input("b", elements);
        g.Rename(g.Node("Add", [a, b]), "c");
        g.Output("c", elements);
        var best = Best(g, threads, new Dictionary<string, long[]> { ["a"] = [elements], ["b"] = [elements] }, seconds);
        return 3.0 * elements * 4 / best / 1e9;
    }

    private static double Best(GraphBuilder g, int threads, IReadOnlyDictionary<string, long[]> shapes, double seconds)
    {
        var (session, _) = OrtSessionFactory.Create(g.Build("microbenchmark"), threads);
        using (session)
        {
            using var inputs = new InputSet(session, shapes);
            using var options = new RunOptions();
            for (var i = 0; i < 3; i++)
            {
                using var warm = session.Run(options, inputs.Names, inputs.Values, session.OutputNames);
            }

            var best = double.PositiveInfinity;
            var clock = Stopwatch.StartNew();
            var runs = 0;
            while (runs < 5 || clock.Elapsed.TotalSeconds < seconds)
            {
                var start = Stopwatch.GetTimestamp();
                using (session.Run(options, inputs.Names, inputs.Values, session.OutputNames))
                {
                    best = Math.Min(best, Stopwatch.GetElapsedTime(start).TotalSeconds);
                }

                runs++;
            }

            return best;
        }
    }
}
