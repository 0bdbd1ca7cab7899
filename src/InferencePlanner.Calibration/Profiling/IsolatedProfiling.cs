using System.Reflection;
using InferencePlanner.Core.Profiles;

namespace InferencePlanner.Calibration.Profiling;

/// <summary>Why profiling a user's .onnx file in its child process gave no profile (the message is for the user).</summary>
public sealed class IsolatedProfilingException : Exception
{
    public IsolatedProfilingException()
    {
    }

    public IsolatedProfilingException(string message)
        : base(message)
    {
    }

    public IsolatedProfilingException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// Profiling a user's .onnx file in a child process of the same program, so that a broken or hostile file ends
/// that child, never the caller (the command line and the dashboard both). The protocol: the child prints the
/// profile's JSON on stdout and exits 0, or prints <c>error: REASON</c> on stderr and exits 2; the parent runs it
/// under a time and a resident-memory limit and turns either end into a profile or an
/// <see cref="IsolatedProfilingException"/>.
/// </summary>
public static class IsolatedProfiling
{
    public const string ErrorPrefix = "error: ";

    /// <summary>The exit code of a child that found the file unusable.</summary>
    public const int UnusableFile = 2;

    /// <summary>The child side: opens the model, profiles it, prints the profile; an unusable file is reported, not thrown.</summary>
    public static int ProfileAndPrint(Func<ModelUnderTest> open, ProfilerOptions options, TextWriter stdout, TextWriter stderr,
        IProgress<ProfilerProgress>? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(open);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        try
        {
            stdout.WriteLine(ProfileStore.Write(Profiler.Run(open(), options, progress, cancellation)));
            return 0;
        }
        catch (InvalidModelException ex)
        {
            stderr.WriteLine(ErrorPrefix + ex.Message);
            return UnusableFile;
        }
        catch (Microsoft.ML.OnnxRuntime.OnnxRuntimeException ex)
        {
            stderr.WriteLine($"{ErrorPrefix}ONNX Runtime failed to run it: {ex.Message.Split('\n')[0]}");
            return UnusableFile;
        }
    }

    /// <summary>
    /// The parent side: starts this program again (<paramref name="entry"/> is its entry assembly) with
    /// <paramref name="childArguments"/> under the limits, and returns the profile's JSON. Throws
    /// <see cref="IsolatedProfilingException"/> with the child's reason, or why it was stopped.
    /// </summary>
    public static async Task<string> RunAsync(Assembly entry, IReadOnlyList<string> childArguments, TimeSpan timeout, long memoryLimitBytes,
        CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var (file, prefix) = SelfCommand(entry);
        var outcome = await ChildProcessSupervisor.RunAsync(file, [.. prefix, .. childArguments], timeout, memoryLimitBytes, cancellation).ConfigureAwait(false);
        if (outcome.KilledBecause is { } why)
        {
            throw new IsolatedProfilingException($"profiling was stopped because {why}");
        }

        if (!outcome.Succeeded)
        {
            var reason = outcome.Stderr.Split('\n').LastOrDefault(l => l.StartsWith(ErrorPrefix, StringComparison.Ordinal))?[ErrorPrefix.Length..].Trim();
            throw new IsolatedProfilingException(reason ?? $"the profiling process failed (exit code {outcome.ExitCode}): {outcome.Stderr.Trim()}");
        }

        return outcome.Stdout.Trim();
    }

    /// <summary>How to start the program again: its apphost, or dotnet with its assembly (under dotnet or a test host).</summary>
    public static (string File, string[] Prefix) SelfCommand(Assembly entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var process = Environment.ProcessPath ?? "dotnet";
        return Path.GetFileNameWithoutExtension(process).Equals("dotnet", StringComparison.OrdinalIgnoreCase) || process.Contains("testhost", StringComparison.OrdinalIgnoreCase)
            ? ("dotnet", [entry.Location])
            : (process, []);
    }
}
