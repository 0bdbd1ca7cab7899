using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using InferencePlanner.Simulation.Kernel;

namespace InferencePlanner.Benchmarks;

/// <summary>
/// What the whole product costs over the least a simulator must do, side by side in one run: the
/// <c>inferenceplanner simulate</c> process (start, read the catalog and the scenario, check stability, run with
/// every metric, write the result JSON) on an M/M/1 pool at ρ = 0.9 with 20 M measured queries, against a bare
/// event loop on the same kernel over the same queue that keeps only the mean wait (no histograms, integrals,
/// warm-up or JSON).
/// The ratio bare / process is the share of the process's time a bare loop would still need.
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 1, iterationCount: 5)]
public class ProcessBenchmarks
{
    public const long Queries = 20_000_000;
    private const double MeanServiceSeconds = 0.010;
    private const double Rho = 0.9;

    private string _scenario = null!;
    private string _cli = null!;

    [GlobalSetup]
    public void Setup()
    {
        _cli = Path.Combine(RepositoryRoot(), "src", "InferencePlanner.Cli", "bin", "Release", "net10.0", "inferenceplanner.dll");
        if (!File.Exists(_cli))
        {
            throw new InvalidOperationException($"{_cli} not found: build the solution in Release first");
        }

        _scenario = Path.Combine(Path.GetTempPath(), "inferenceplanner-mm1-rho09.json");
        File.WriteAllText(_scenario, $$"""
            {
              "name": "M/M/1 at 90 % load",
              "seed": 1,
              "horizon": { "queries": {{Queries}} },
              "workload": { "arrivals": { "kind": "poisson", "ratePerSecond": {{Rho / MeanServiceSeconds}} } },
              "pools": [ { "name": "server", "count": 1, "service": { "distribution": "exponential", "meanMs": {{MeanServiceSeconds * 1000}} } } ]
            }
            """);
    }

    [Benchmark(Baseline = true)]
    public double BareEventLoop() => BareMm1MeanWait(Queries, Rho / MeanServiceSeconds, MeanServiceSeconds, seed: 1);

    [Benchmark]
    public int SimulateProcess()
    {
        using var process = Process.Start(new ProcessStartInfo("dotnet", [_cli, "simulate", _scenario])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"simulate exited {process.ExitCode}: {stderr.Result}");
        }

        return stdout.Result.Length;
    }

    /// <summary>
    /// M/M/1 FIFO as a bare event loop: the simulator's own kernel (the event list ordered by time and sequence,
    /// arrivals and departures as events) and the same random streams, with nothing else — no warm-up, routing,
    /// batching, histograms, integrals or results: a ring of waiting arrival times and the sum of waits.
    /// </summary>
    public static double BareMm1MeanWait(long queries, double ratePerSecond, double meanServiceSeconds, long seed)
    {
        const EventKind Arrival = EventKind.OpenWindow; // the kernel's kinds are the fleet's; the bare loop borrows two
        const EventKind Departure = EventKind.ServerFree;
        var arrivals = RandomSequence.For(seed, 0, RandomSequence.Purpose.Arrivals);
        var service = RandomSequence.For(seed, 0, RandomSequence.Purpose.Service);
        var meanGap = 1 / ratePerSecond;
        var events = new EventQueue();
        var ring = new double[1 << 16];
        var mask = ring.Length - 1;
        int head = 0, count = 0;
        var busy = false;
        double waitSum = 0;
        long started = 0, arrived = 1;
        events.Push(arrivals.Exponential(meanGap), Arrival, 0);
        while (started < queries)
        {
            var e = events.Pop();
            var t = e.Time;
            if (e.Kind == Arrival)
            {
                if (arrived++ < queries)
                {
                    events.Push(t + arrivals.Exponential(meanGap), Arrival, 0);
                }

                if (!busy)
                {
                    busy = true;
                    started++;
                    events.Push(t + service.Exponential(meanServiceSeconds), Departure, 0);
                    continue;
                }

                if (count == ring.Length)
                {
                    var grown = new double[ring.Length * 2];
                    for (var i = 0; i < count; i++)
                    {
                        grown[i] = ring[(head + i) & mask];
                    }

                    (ring, head, mask) = (grown, 0, grown.Length - 1);
                }

                ring[(head + count++) & mask] = t;
            }
            else if (count > 0)
            {
                waitSum += t - ring[head];
                head = (head + 1) & mask;
                count--;
                started++;
                events.Push(t + service.Exponential(meanServiceSeconds), Departure, 0);
            }
            else
            {
                busy = false;
            }
        }

        return waitSum / queries;
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "InferencePlanner.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"InferencePlanner.sln not found above {AppContext.BaseDirectory}");
    }
}
