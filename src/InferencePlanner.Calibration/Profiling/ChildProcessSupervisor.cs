using System.Diagnostics;
using System.Text;

namespace InferencePlanner.Calibration.Profiling;

/// <summary>How a supervised child process ended.</summary>
public sealed record ChildOutcome(int? ExitCode, string Stdout, string Stderr, string? KilledBecause, double PeakMemoryMb, double Seconds)
{
    public bool Succeeded => KilledBecause is null && ExitCode == 0;
}

/// <summary>
/// Runs untrusted work (a user's model) in a child process with a wall-clock limit and a memory limit
/// (resident memory, polled): a malformed or hostile file can crash or exhaust the child, never the caller.
/// </summary>
public static class ChildProcessSupervisor
{
    public static async Task<ChildOutcome> RunAsync(string fileName, IReadOnlyList<string> arguments, TimeSpan timeout, long memoryLimitBytes,
        CancellationToken cancellation = default)
    {
        var start = new ProcessStartInfo(fileName, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["DOTNET_gcServer"] = "0";
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {fileName}");
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (stdout)
                {
                    stdout.AppendLine(e.Data);
                }
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (stderr)
                {
                    stderr.AppendLine(e.Data);
                }
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var clock = Stopwatch.StartNew();
        string? killed = null;
        double peak = 0;
        while (!process.HasExited)
        {
            if (cancellation.IsCancellationRequested)
            {
                killed = "cancelled";
            }
            else if (clock.Elapsed > timeout)
            {
                killed = $"it ran longer than the limit of {timeout.TotalSeconds:0.#} s";
            }
            else
            {
                try
                {
                    process.Refresh();
                    var resident = process.WorkingSet64;
                    peak = Math.Max(peak, resident / 1e6);
                    if (resident > memoryLimitBytes)
                    {
                        killed = $"it used {resident / 1e6:N0} MB, over the limit of {memoryLimitBytes / 1e6:N0} MB";
                    }
                }
                catch (InvalidOperationException)
                {
                    // exited between the checks
                }
            }

            if (killed is not null)
            {
                try
                {
                    process.Kill(entireProcessTree: true);
                }
                catch (InvalidOperationException)
                {
                    // already gone
                }

                break;
            }

            await Task.Delay(25, CancellationToken.None).ConfigureAwait(false);
        }

        await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
        lock (stdout)
        {
            lock (stderr)
            {
                return new ChildOutcome(killed is null ? process.ExitCode : null, stdout.ToString(), stderr.ToString(), killed, peak, clock.Elapsed.TotalSeconds);
            }
        }
    }
}
