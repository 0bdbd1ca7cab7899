using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;

namespace InferencePlanner.E2E;

/// <summary>The app in its own process under load, killed mid-save and started again.</summary>
public sealed class LoadAndFaultTests(AppServer app) : IClassFixture<AppServer>
{
    private static readonly string Mm4 = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "data", "scenarios", "mm4-erlang-c.json"));

    /// <summary>The most the server's resident memory may grow under the load: two runs at once need far less.</summary>
    private const double MemoryBudgetMb = 400;

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    /// <summary>
    /// The fewest of a wave the server must serve: with its default limits (one run slot per core and two waiting
    /// per core) the first 3 × cores requests to arrive always find a slot or a place in line.
    /// </summary>
    internal static int SureToBeServed(int wave) => Math.Min(wave, 3 * Environment.ProcessorCount);

    /// <summary>The resident memory of a process, MB (from /proc).</summary>
    internal static double ResidentMb(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return double.Parse(line["VmRSS:".Length..].Replace("kB", string.Empty, StringComparison.Ordinal).Trim(), CultureInfo.InvariantCulture) / 1024;
    }

    /// <summary>Fires <paramref name="count"/> simulate requests at once; every one is served whole or turned away with 429/503.</summary>
    internal static async Task<(int Served, int Refused, double PeakMb)> WaveAsync(HttpClient client, int pid, int count)
    {
        var peak = ResidentMb(pid);
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                peak = Math.Max(peak, ResidentMb(pid));
                await Task.Delay(25, CancellationToken.None);
            }
        });
        var responses = await Task.WhenAll(Enumerable.Range(0, count).Select(_ =>
            client.PostAsync(new Uri("api/simulate?queries=200000", UriKind.Relative), Json(Mm4))));
        await sampling.CancelAsync();
        await sampler;

        int served = 0, refused = 0;
        foreach (var response in responses)
        {
            using (response)
            {
                var body = await response.Content.ReadAsStringAsync();
                switch (response.StatusCode)
                {
                    case HttpStatusCode.OK:
                        using (var result = JsonDocument.Parse(body))
                        {
                            Assert.True(result.RootElement.GetProperty("stable").GetBoolean());
                            Assert.True(result.RootElement.GetProperty("completed").GetInt64() >= 200_000);
                        }

                        served++;
                        break;
                    case HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable:
                        Assert.True(response.Headers.RetryAfter is not null, "a refusal says when to retry");
                        refused++;
                        break;
                    default:
                        Assert.Fail($"{(int)response.StatusCode}: {body}");
                        break;
                }
            }
        }

        Assert.Equal(count, served + refused); // none lost
        return (served, refused, peak);
    }

    [Fact]
    public async Task FortyEightSimulationsAtOnce_AreServedOrTurnedAway_MemoryBounded_AppHealthyAfter()
    {
        using var client = new HttpClient { BaseAddress = app.BaseAddress, Timeout = TimeSpan.FromMinutes(3) };
        var baseline = ResidentMb(app.ProcessId);

        var (served, refused, peak) = await WaveAsync(client, app.ProcessId, 48);

        Assert.True(served >= SureToBeServed(48), $"{served} served; the slots and the line take {SureToBeServed(48)}");
        Assert.True(peak - baseline <= MemoryBudgetMb, $"resident memory rose from {baseline:N0} MB to {peak:N0} MB");
        using var health = await client.GetAsync(new Uri("health", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        using var after = await client.PostAsync(new Uri("api/simulate?queries=10000", UriKind.Relative), Json(Mm4));
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        await File.WriteAllTextAsync(Chromium.Artifact("load.txt"),
            $"48 concurrent simulate requests (M/M/4, 200,000 queries each): {served} served, {refused} turned away with 429; resident memory {baseline:N0} MB → peak {peak:N0} MB\n");
    }

    [Fact]
    public async Task ServerKilledMidSave_RestartsWithEverySavedScenario_AndAWholeDatabase()
    {
        using var client = new HttpClient { BaseAddress = app.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        var acknowledged = new List<string>();
        using var stop = new CancellationTokenSource();
        var saving = Task.Run(async () =>
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                var name = $"saved-{i:D5}";
                var node = JsonNode.Parse(Mm4)!;
                node["name"] = name;
                try
                {
                    using var response = await client.PostAsync(new Uri("api/scenarios", UriKind.Relative), Json(node.ToJsonString()));
                    if (response.StatusCode == HttpStatusCode.Created)
                    {
                        lock (acknowledged)
                        {
                            acknowledged.Add(name);
                        }
                    }
                }
                catch (HttpRequestException)
                {
                    return; // the server is gone
                }
                catch (TaskCanceledException)
                {
                    return;
                }
            }
        });

        // Let saves run, then kill the process with no warning while they go on.
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(10))
        {
            lock (acknowledged)
            {
                if (acknowledged.Count >= 20)
                {
                    break;
                }
            }

            await Task.Delay(20);
        }

        await app.KillAsync();
        await stop.CancelAsync();
        await saving;
        Assert.True(acknowledged.Count >= 20, $"only {acknowledged.Count} saves before the kill");

        // The file is whole…
        var database = Path.Combine(app.StorageFolder, "inferenceplanner.db");
        await using (var connection = new SqliteConnection($"Data Source={database};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var check = connection.CreateCommand();
            check.CommandText = "PRAGMA integrity_check;";
            Assert.Equal("ok", (string?)await check.ExecuteScalarAsync());
        }

        // …and the app starts on it with every save it acknowledged.
        await app.RestartAsync();
        using var restarted = new HttpClient { BaseAddress = app.BaseAddress };
        using var list = JsonDocument.Parse(await restarted.GetStringAsync(new Uri("api/scenarios", UriKind.Relative)));
        var names = list.RootElement.EnumerateArray().Select(s => s.GetProperty("name").GetString()).ToHashSet();
        Assert.All(acknowledged, name => Assert.Contains(name, names));
        Assert.Contains("M/M/4 at 80 % load", names); // and what was there before
    }
}

/// <summary>
/// The soak test: waves of 48 simulate requests for a bounded time (INFERENCEPLANNER_SOAK_SECONDS, 15 s unless
/// set); the server's memory after the last wave stays within the budget of the first, nothing is lost.
/// Run it alone and longer with <c>dotnet test --filter Category=Soak</c>.
/// </summary>
[Trait("Category", "Soak")]
public sealed class SoakTests(AppServer app) : IClassFixture<AppServer>
{
    [Fact]
    public async Task WavesOfSimulations_ForAWhile_NoGrowth_NoLoss()
    {
        var seconds = double.TryParse(Environment.GetEnvironmentVariable("INFERENCEPLANNER_SOAK_SECONDS"), CultureInfo.InvariantCulture, out var s) ? s : 15;
        using var client = new HttpClient { BaseAddress = app.BaseAddress, Timeout = TimeSpan.FromMinutes(3) };
        var clock = Stopwatch.StartNew();
        var waves = new List<(int Served, int Refused, double PeakMb)>();
        while (clock.Elapsed.TotalSeconds < seconds || waves.Count < 2)
        {
            waves.Add(await LoadAndFaultTests.WaveAsync(client, app.ProcessId, 48));
        }

        // After the first wave has warmed everything up, later waves do not keep growing the process.
        Assert.True(waves[^1].PeakMb <= waves[0].PeakMb + 200,
            $"peak resident memory {waves[0].PeakMb:N0} MB in the first wave, {waves[^1].PeakMb:N0} MB in wave {waves.Count}");
        Assert.All(waves, w => Assert.True(w.Served >= LoadAndFaultTests.SureToBeServed(48), $"{w.Served} served in a wave"));
        await File.WriteAllTextAsync(Chromium.Artifact("soak.txt"),
            $"{waves.Count} waves of 48 in {clock.Elapsed.TotalSeconds:N0} s: {waves.Sum(w => w.Served)} served, {waves.Sum(w => w.Refused)} turned away; peak resident memory per wave {string.Join(", ", waves.Select(w => w.PeakMb.ToString("N0", CultureInfo.InvariantCulture)))} MB\n");
    }
}
