using System.Globalization;
using InferencePlanner.Calibration.Profiling;
using InferencePlanner.Core.Profiles;

namespace InferencePlanner.Web.Calibration;

/// <summary>
/// Profiles an uploaded .onnx file in a child process: the dashboard starts itself again with
/// <c>--profile-onnx FILE BATCHES</c>, under a time and a memory limit, so that a broken or hostile file ends that
/// child, never the app. The child prints the profile's JSON; exit code 2 and an <c>error:</c> line when the file is unusable.
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
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        if (args.Count != 3 || args[0] != Flag)
        {
            stderr.WriteLine($"error: usage: {Flag} FILE.onnx BATCHES");
            return 2;
        }

        try
        {
            var batches = args[2].Split(',').Select(b => int.Parse(b, NumberStyles.Integer, CultureInfo.InvariantCulture)).ToList();
            var model = OnnxFileModel.Open(args[1], new Dictionary<string, long>());
            var options = new ProfilerOptions { Batches = batches, Threads = Environment.ProcessorCount, MinSecondsPerBatch = 0.3, MinRuns = 10, OperatorClasses = false };
            stdout.WriteLine(ProfileStore.Write(Profiler.Run(model, options)));
            return 0;
        }
        catch (InvalidModelException ex)
        {
            stderr.WriteLine($"error: {ex.Message}");
            return 2;
        }
        catch (Microsoft.ML.OnnxRuntime.OnnxRuntimeException ex)
        {
            stderr.WriteLine($"error: ONNX Runtime failed to run it: {ex.Message.Split('\n')[0]}");
            return 2;
        }
    }

    /// <summary>The parent side: profiles <paramref name="path"/> in a child process and returns the profile's JSON.</summary>
    public static async Task<string> ProfileAsync(string path, string fileName, IReadOnlyList<int> batches, CancellationToken cancellation)
    {
        var (program, prefix) = SelfCommand();
        List<string> args = [.. prefix, Flag, path, string.Join(',', batches.Select(b => b.ToString(CultureInfo.InvariantCulture)))];
        var outcome = await ChildProcessSupervisor.RunAsync(program, args, Timeout, MemoryLimitBytes, cancellation).ConfigureAwait(false);
        if (outcome.KilledBecause is { } why)
        {
            throw new InvalidOperationException($"{fileName}: profiling was stopped because {why}");
        }

        if (!outcome.Succeeded)
        {
            var error = outcome.Stderr.Split('\n').LastOrDefault(l => l.StartsWith("error:", StringComparison.Ordinal))?["error:".Length..].Trim()
                ?? $"the profiling process failed (exit code {outcome.ExitCode})";
            throw new InvalidOperationException($"{fileName}: {error}");
        }

        return outcome.Stdout.Trim();
    }

    /// <summary>How to start this app again: its apphost, or dotnet with its assembly.</summary>
    private static (string File, string[] Prefix) SelfCommand()
    {
        var process = Environment.ProcessPath ?? "dotnet";
        var assembly = typeof(OnnxProfileWorker).Assembly.Location;
        return Path.GetFileNameWithoutExtension(process).Equals("InferencePlanner.Web", StringComparison.OrdinalIgnoreCase)
            ? (process, [])
            : ("dotnet", [assembly]);
    }
}
