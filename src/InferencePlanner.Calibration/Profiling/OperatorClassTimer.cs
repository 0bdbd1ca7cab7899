using System.Text.Json;
using InferencePlanner.Calibration.Costs;
using Microsoft.ML.OnnxRuntime;

namespace InferencePlanner.Calibration.Profiling;

/// <summary>
/// Times each operator class with ONNX Runtime's own profiler and relates it to the microbenchmarks:
/// compute classes by their FLOP/s against the GEMM rate, memory classes by their bytes/s against the
/// streaming bandwidth. The projection carries these shortfalls over to other devices.
/// </summary>
internal static class OperatorClassTimer
{
    public static IReadOnlyDictionary<string, double>? Efficiencies(ModelUnderTest model, int batch, int threads, GraphCost cost,
        double medianMs, double gemmGflops, double bandwidthGBps, CancellationToken cancellation)
    {
        var prefix = Path.Combine(Path.GetTempPath(), $"ip-ort-{Guid.NewGuid():N}");
        string? file = null;
        try
        {
            var (session, _) = OrtSessionFactoryWithProfiling(model, threads, prefix);
            using (session)
            {
                Profiler.MeasureInterleaved(session, [batch], model.InputShapes, new ProfilerOptions { WarmupRuns = 1, MinRuns = 3, MaxRuns = 3, MinSecondsPerBatch = 0 }, cancellation: cancellation);
                file = session.EndProfiling();
            }

            // The trace gives each class's share of the kernel time; the measured median gives the run's length.
            var seconds = ReadSecondsByClass(file);
            var traced = seconds.Values.Sum();
            var flops = cost.Ops.GroupBy(o => Merge(o.Class)).ToDictionary(g => g.Key, g => (Flops: g.Sum(o => o.TotalFlops), Bytes: g.Sum(o => o.Bytes)));
            var result = new SortedDictionary<string, double>(StringComparer.Ordinal);
            foreach (var (cls, time) in seconds)
            {
                // A class whose kernels were fused into others' (a bias add into its product) or that did no
                // counted work teaches nothing: keep classes with work and at least 2 % of the run.
                if (!flops.TryGetValue(cls, out var work) || time < 0.02 * traced || (work.Flops == 0 && work.Bytes == 0))
                {
                    continue;
                }

                var perRun = time / traced * medianMs / 1000;
                var computeBound = cls is "matmul" or "conv";
                result[cls] = computeBound
                    ? work.Flops / perRun / 1e9 / gemmGflops
                    : work.Bytes / perRun / 1e9 / bandwidthGBps;
            }

            return result.Count > 0 ? result : null;
        }
        catch (Exception ex) when (ex is OnnxRuntimeException or IOException or JsonException or InvalidOperationException)
        {
            return null; // the class timings refine projections; a profile stands without them
        }
        finally
        {
            // INFERENCEPLANNER_KEEP_ORT_PROFILE=1 keeps ONNX Runtime's trace for inspection (chrome://tracing).
            if (file is not null && File.Exists(file) && Environment.GetEnvironmentVariable("INFERENCEPLANNER_KEEP_ORT_PROFILE") != "1")
            {
                File.Delete(file);
            }
        }
    }

    private static (InferenceSession, ExecutionProviderChoice) OrtSessionFactoryWithProfiling(ModelUnderTest model, int threads, string prefix) =>
        model.OpenProfiled?.Invoke(threads, prefix) ?? throw new InvalidOperationException("the model cannot be opened with profiling");

    /// <summary>Seconds per class from ONNX Runtime's trace (events of category "Node", durations in µs).</summary>
    internal static Dictionary<string, double> ReadSecondsByClass(string file)
    {
        using var stream = File.OpenRead(file);
        using var json = JsonDocument.Parse(stream);
        var seconds = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var e in json.RootElement.EnumerateArray())
        {
            if (!e.TryGetProperty("cat", out var cat) || cat.GetString() != "Node"
                || !e.TryGetProperty("name", out var name) || !(name.GetString() ?? string.Empty).EndsWith("_kernel_time", StringComparison.Ordinal)
                || !e.TryGetProperty("args", out var args) || !args.TryGetProperty("op_name", out var op))
            {
                continue;
            }

            var cls = ClassOf(op.GetString() ?? string.Empty);
            seconds[cls] = seconds.GetValueOrDefault(cls) + (e.GetProperty("dur").GetDouble() / 1e6);
        }

        return seconds;
    }

    internal static string ClassOf(string ortOp) => ortOp switch
    {
        _ when ortOp.Contains("MatMul", StringComparison.Ordinal) || ortOp.Contains("Gemm", StringComparison.Ordinal) || ortOp.Contains("Attention", StringComparison.Ordinal) => "matmul",
        _ when ortOp.Contains("Conv", StringComparison.Ordinal) => "conv",
        _ when ortOp.Contains("Softmax", StringComparison.Ordinal) => "softmax",
        _ when ortOp.Contains("Normalization", StringComparison.Ordinal) => "normalization",
        _ when ortOp.Contains("Pool", StringComparison.Ordinal) => "pooling",
        "Transpose" or "Concat" or "Reshape" or "Flatten" or "Split" or "Gather" => "data-movement",
        _ => "elementwise",
    };

    /// <summary>The classes as ONNX Runtime's fused kernels let them be told apart.</summary>
    internal static string Merge(OpClass c) => c switch
    {
        OpClass.Matmul or OpClass.AttentionMatmul => "matmul",
        OpClass.Conv or OpClass.DepthwiseConv => "conv",
        OpClass.Softmax => "softmax",
        OpClass.Normalization => "normalization",
        OpClass.Pooling => "pooling",
        OpClass.DataMovement => "data-movement",
        _ => "elementwise",
    };
}
