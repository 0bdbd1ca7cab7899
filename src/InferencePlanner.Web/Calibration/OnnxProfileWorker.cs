using System.Globalization;
using InferencePlanner.Calibration.Profiling;

namespace InferencePlanner.Web.Calibration;

/// <summary>
/// Profiles an uploaded .onnx file in a child process (<see cref="IsolatedProfiling"/>): the dashboard starts
/// itself again with <c>--profile-onnx FILE BATCHES</c>, under a time and a memory limit, so that a broken or
/// hostile file ends that child, never the app.
/// </summary>
public static class OnnxProfileWorker
{
    public const string Flag = "--profile-onnx";

    /// <summary>Limits for one uploaded model.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromMinutes(10);

    public const long MemoryLimitBytes = 4L << 30;

    /// <summary>The child side.</summary>
    public static int Run(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stderr);
        if (args.Count != 3 || args[0] != Flag)
        {
            stderr.WriteLine($"{IsolatedProfiling.ErrorPrefix}usage: {Flag} FILE.onnx BATCHES");
            return IsolatedProfiling.UnusableFile;
        }

        var batches = new List<int>();
        foreach (var part in args[2].Split(','))
        {
            if (!int.TryParse(part, NumberStyles.Integer, CultureInfo.InvariantCulture, out var b) || b < 1)
            {
                stderr.WriteLine($"{IsolatedProfiling.ErrorPrefix}batch size '{part}' is not a whole number of at least 1");
                return IsolatedProfiling.UnusableFile;
            }

            batches.Add(b);
        }

        var options = new ProfilerOptions { Batches = batches, Threads = Environment.ProcessorCount, MinSecondsPerBatch = 0.3, MinRuns = 10, OperatorClasses = false };
        return IsolatedProfiling.ProfileAndPrint(() => OnnxFileModel.Open(args[1], new Dictionary<string, long>()), options, stdout, stderr);
    }

    /// <summary>The parent side: profiles <paramref name="path"/> in a child process and returns the profile's JSON.</summary>
    public static async Task<string> ProfileAsync(string path, string fileName, IReadOnlyList<int> batches, CancellationToken cancellation)
    {
        try
        {
            return await IsolatedProfiling.RunAsync(typeof(OnnxProfileWorker).Assembly,
                [Flag, path, string.Join(',', batches.Select(b => b.ToString(CultureInfo.InvariantCulture)))],
                Timeout, MemoryLimitBytes, cancellation).ConfigureAwait(false);
        }
        catch (IsolatedProfilingException ex)
        {
            throw new InvalidOperationException($"{fileName}: {ex.Message}", ex);
        }
    }
}
