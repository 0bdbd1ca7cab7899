using System.Globalization;
using System.Text;
using InferencePlanner.Core.Scenarios;
using InferencePlanner.Simulation.Engine;

namespace InferencePlanner.Simulation.Tests.Engine;

/// <summary>
/// Fed fixed arrival and service times, each query's wait must equal the Kiefer–Wolfowitz recursion
/// (Lindley's for one server): keep the servers' remaining work sorted; a query waits the smallest, adds
/// its service to that server, and the clock then moves by the next inter-arrival time.
/// </summary>
public sealed class ExactRecursionTests
{
    [Theory]
    [InlineData(1, 0.9)]
    [InlineData(3, 2.7)]
    [InlineData(8, 7.5)]
    public void Simulate_FixedTimes_WaitsEqualKieferWolfowitz(int servers, double load)
    {
        const int n = 20_000;
        var random = new Random(12345);
        var gaps = Enumerable.Range(0, n).Select(_ => -Math.Log(1 - random.NextDouble()) / load).ToArray();
        var services = Enumerable.Range(0, n).Select(_ => -Math.Log(1 - random.NextDouble())).ToArray();
        var arrivals = new double[n];
        for (var i = 1; i < n; i++)
        {
            arrivals[i] = arrivals[i - 1] + gaps[i];
        }

        using var trace = TraceFile.Write(arrivals);
        // The trace stores 7 decimals of a second: recompute the recursion from the times as parsed.
        var parsed = Simulation.Workload.ArrivalTrace.Load(trace.Path).OffsetSeconds.ToArray();
        var expected = KieferWolfowitz(parsed, services, servers);

        var scenario = new Scenario
        {
            Seed = 1,
            Horizon = new Horizon { Queries = n },
            Workload = new Core.Scenarios.Workload { Arrivals = new ArrivalSpec { Kind = "trace", Path = trace.Path } },
            Pools = [new PoolSpec { Name = "p", Count = servers, Service = Scenarios.Exponential(1000) }],
        };
        var replayed = SimulationModel.Compile(scenario).WithReplayedService(services);
        var waits = new double[n];
        var seen = 0;
        SimulationRunner.RunReplication(replayed, 0, q =>
        {
            waits[q.Index] = q.WaitSeconds;
            seen++;
        });

        Assert.Equal(n, seen);
        for (var i = 0; i < n; i++)
        {
            Assert.True(Math.Abs(waits[i] - expected[i]) <= 1e-9, $"query {i}: engine {waits[i]:R} vs recursion {expected[i]:R}");
        }

        Assert.True(expected.Count(w => w > 0) > n / 10, "the check must exercise queueing, not an idle system");
    }

    private static double[] KieferWolfowitz(double[] arrivals, double[] services, int servers)
    {
        var work = new double[servers]; // remaining work per server, kept sorted ascending
        var waits = new double[arrivals.Length];
        for (var i = 0; i < arrivals.Length; i++)
        {
            waits[i] = work[0];
            work[0] += services[i];
            Array.Sort(work);
            if (i + 1 < arrivals.Length)
            {
                var gap = arrivals[i + 1] - arrivals[i];
                for (var s = 0; s < servers; s++)
                {
                    work[s] = Math.Max(0, work[s] - gap);
                }
            }
        }

        return waits;
    }
}

/// <summary>A temporary trace file in the Azure format.</summary>
internal sealed class TraceFile : IDisposable
{
    private TraceFile(string path) => Path = path;

    public string Path { get; }

    public static TraceFile Write(IReadOnlyList<double> offsetsSeconds, int context = 100, int generated = 10)
    {
        var origin = new DateTime(2023, 11, 16, 18, 0, 0, DateTimeKind.Utc);
        var text = new StringBuilder("TIMESTAMP,ContextTokens,GeneratedTokens\n");
        foreach (var offset in offsetsSeconds)
        {
            var stamp = origin.AddTicks((long)Math.Round(offset * TimeSpan.TicksPerSecond));
            text.Append(stamp.ToString("yyyy-MM-dd HH:mm:ss.fffffff", CultureInfo.InvariantCulture))
                .Append(CultureInfo.InvariantCulture, $",{context},{generated}\n");
        }

        var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"ip-trace-{Guid.NewGuid():N}.csv");
        File.WriteAllText(path, text.ToString());
        return new TraceFile(path);
    }

    public void Dispose() => File.Delete(Path);
}
