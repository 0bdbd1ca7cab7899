using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using InferencePlanner.Cluster;
using InferencePlanner.Core.Catalog;
using InferencePlanner.Planning.Sweeps;
using Npgsql;

namespace InferencePlanner.E2E;

/// <summary>
/// A PostgreSQL server from Debian's package (tests/run.sh installs it), in a fresh data folder on a free loopback
/// port, stopped and removed with the test class. As root it runs as the <c>postgres</c> user, as PostgreSQL demands.
/// </summary>
public sealed class PostgresServer : IAsyncLifetime
{
    private string? _data;

    public int Port { get; private set; }

    public string ConnectionString => $"Host=127.0.0.1;Port={Port};Username=postgres;Database=postgres;Pooling=false";

    private static bool Root => Environment.UserName == "root";

    private static string Bin(string tool)
    {
        var found = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin", tool)).Where(File.Exists).OrderDescending().FirstOrDefault()
            : null;
        return found ?? throw new FileNotFoundException($"PostgreSQL's {tool} is not installed: tests/run.sh installs Debian's postgresql package");
    }

    private static async Task RunAsync(string tool, params string[] args)
    {
        var start = Root
            ? new ProcessStartInfo("runuser", ["-u", "postgres", "--", Bin(tool), .. args])
            : new ProcessStartInfo(Bin(tool), args);
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{tool} {string.Join(' ', args)} exited with {process.ExitCode}:\n{await output}\n{await error}");
        }
    }

    public async Task InitializeAsync()
    {
        _data = Directory.CreateTempSubdirectory("ip-pg-").FullName;
        if (Root)
        {
            using var chown = Process.Start("chown", ["-R", "postgres:postgres", _data])!;
            await chown.WaitForExitAsync();
        }

        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            Port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        await RunAsync("initdb", "-D", Path.Combine(_data, "db"), "-U", "postgres", "--auth=trust", "--no-sync");
        await RunAsync("pg_ctl", "-D", Path.Combine(_data, "db"), "-w", "-l", Path.Combine(_data, "log"),
            "-o", $"-p {Port} -k {_data} -c listen_addresses=127.0.0.1 -c fsync=off", "start");
    }

    public async Task DisposeAsync()
    {
        if (_data is not null)
        {
            await RunAsync("pg_ctl", "-D", Path.Combine(_data, "db"), "-m", "immediate", "stop");
            Directory.Delete(_data, recursive: true);
        }
    }
}

/// <summary>The dashboard as one silo of a PostgreSQL-backed cluster (its silo port fixed, so that the membership table names it).</summary>
public sealed class ClusterDashboard(string connectionString, int siloPort) : AppServer
{
    protected override IReadOnlyDictionary<string, string> Settings { get; } = ClusterProcessTests.ClusterEnvironment(connectionString, siloPort);
}

/// <summary>
/// Real processes: PostgreSQL, the dashboard and two workers (<c>--role worker</c>) form one Orleans cluster; a worker
/// killed with SIGKILL mid-sweep leaves the sweep to finish on the others, identical to the local run, and the
/// membership table marks it dead.
/// </summary>
public sealed class ClusterProcessTests(PostgresServer postgres) : IClassFixture<PostgresServer>
{
    /// <summary>Orleans' SiloStatus.Active and SiloStatus.Dead, as the membership table stores them.</summary>
    private const int Active = 3;
    private const int Dead = 6;

    public static Dictionary<string, string> ClusterEnvironment(string connectionString, int siloPort) => new()
    {
        ["Cluster__Mode"] = "postgres",
        ["Cluster__ConnectionString"] = connectionString,
        ["Cluster__SiloPort"] = siloPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Cluster__GatewayPort"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Cluster__ClusterId"] = "e2e",
    };

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static Process StartWorker(string connectionString, int siloPort, StringBuilder log)
    {
        var start = new ProcessStartInfo("dotnet", [AppServer.WebDll, "--role", "worker"])
        {
            WorkingDirectory = AppServer.WebProject,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var (name, value) in ClusterEnvironment(connectionString, siloPort))
        {
            start.Environment[name] = value;
        }

        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>Each silo's status in the membership table, by silo port.</summary>
    private async Task<Dictionary<int, int>> MembershipAsync()
    {
        await using var connection = new NpgsqlConnection(postgres.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT port, status FROM orleansmembershiptable WHERE deploymentid = 'e2e'", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var silos = new Dictionary<int, int>();
        while (await reader.ReadAsync())
        {
            silos[reader.GetInt32(0)] = reader.GetInt32(1);
        }

        return silos;
    }

    private async Task<Dictionary<int, int>> UntilAsync(Func<Dictionary<int, int>, bool> condition, TimeSpan limit, string what, Func<string> log)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var silos = await MembershipAsync();
            if (condition(silos))
            {
                return silos;
            }

            if (clock.Elapsed > limit)
            {
                throw new TimeoutException($"{what} within {limit.TotalSeconds} s; membership: {string.Join(", ", silos.Select(s => $"{s.Key}={s.Value}"))}\n{log()}");
            }

            await Task.Delay(250);
        }
    }

    [Theory]
    [InlineData("worker", "inferenceplanner worker: Cluster:Mode: a worker joins a cluster; set Cluster:Mode=postgres and Cluster:ConnectionString")]
    [InlineData("janitor", "inferenceplanner: --role: 'janitor' is not 'dashboard' or 'worker'")]
    public async Task AWorkerWithoutACluster_OrAnUnknownRole_StopsAtOnceSayingWhy(string role, string message)
    {
        var start = new ProcessStartInfo("dotnet", [AppServer.WebDll, "--role", role])
        {
            WorkingDirectory = AppServer.WebProject,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment.Remove("Cluster__Mode");

        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(2, process.ExitCode);
        Assert.StartsWith(message, await error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AWorkerKilledMidSweep_TheSweepFinishesAsTheLocalRun_AndTheMembershipTableMarksItDead()
    {
        var log = new StringBuilder();
        var ports = new[] { FreePort(), FreePort(), FreePort() };
        var dashboard = new ClusterDashboard(postgres.ConnectionString, ports[0]);
        await dashboard.InitializeAsync();
        using var worker1 = StartWorker(postgres.ConnectionString, ports[1], log);
        using var worker2 = StartWorker(postgres.ConnectionString, ports[2], log);
        string Logs() { lock (log) { return $"{dashboard.Log}\n{log}"; } }
        try
        {
            await UntilAsync(s => ports.All(p => s.GetValueOrDefault(p) == Active), TimeSpan.FromSeconds(90), "three silos active", Logs);

            // The demo sweep, long enough a chunk that the victim holds some when it dies: 18 variants × 2 replications.
            var node = JsonNode.Parse(File.ReadAllText(Path.Combine(RepositoryPaths.Root, "data", "sweeps", "image-model-devices-regions.json")))!;
            node["base"]!["horizon"]!["queries"] = 150_000;
            var sweep = node.ToJsonString();
            using var client = new HttpClient { BaseAddress = dashboard.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
            using var started = await client.PostAsync(new Uri("api/sweeps", UriKind.Relative), new StringContent(sweep, Encoding.UTF8, "application/json"));
            var body = await started.Content.ReadAsStringAsync();
            Assert.True(started.StatusCode == HttpStatusCode.Accepted, body);
            var status = new Uri(JsonDocument.Parse(body).RootElement.GetProperty("status").GetString()!.TrimStart('/'), UriKind.Relative);

            // As a client should: a 503 (the cluster moving on from a dead silo) is asked again after its Retry-After.
            var unavailable = 0;
            async Task<JsonElement> PollAsync()
            {
                while (true)
                {
                    using var response = await client.GetAsync(status);
                    var text = await response.Content.ReadAsStringAsync();
                    if (response.StatusCode == HttpStatusCode.ServiceUnavailable && ++unavailable < 30)
                    {
                        Assert.NotNull(response.Headers.RetryAfter);
                        await Task.Delay(response.Headers.RetryAfter.Delta!.Value);
                        continue;
                    }

                    Assert.True(response.IsSuccessStatusCode, $"{response.StatusCode}: {text}\n{Logs()}");
                    return JsonDocument.Parse(text).RootElement.Clone();
                }
            }

            var clock = Stopwatch.StartNew();
            var answer = await PollAsync();
            while (answer.GetProperty("chunksDone").GetInt32() < 4 && clock.Elapsed < TimeSpan.FromMinutes(2))
            {
                await Task.Delay(100);
                answer = await PollAsync();
            }

            // SIGKILL: no goodbye to the cluster, chunks on it in flight.
            Assert.Equal("running", answer.GetProperty("state").GetString());
            worker2.Kill();
            await worker2.WaitForExitAsync();

            while (answer.GetProperty("state").GetString() == "running" && clock.Elapsed < TimeSpan.FromMinutes(6))
            {
                await Task.Delay(250);
                answer = await PollAsync();
            }

            Assert.True(answer.GetProperty("state").GetString() == "done", $"{answer}\n{Logs()}");
            Assert.Equal((18, 36), (answer.GetProperty("done").GetInt32(), answer.GetProperty("chunksDone").GetInt32()));
            var failed = answer.GetProperty("result").GetProperty("rows").EnumerateArray().Where(r => r.GetProperty("reason").GetString()?.StartsWith("could not be run", StringComparison.Ordinal) == true).ToList();
            Assert.True(failed.Count == 0, $"{string.Join("\n", failed)}\n{Logs()}");
            var local = JsonSerializer.Serialize(new SweepRunner(CatalogLoader.Load(RepositoryPaths.Catalog)).Run(SweepDocument.Parse(sweep)), SweepJson.Options);
            Assert.Equal(local, answer.GetProperty("result").GetRawText());

            // The catalog and profiles the sweep computed with, pinned by the dashboard, are in the cluster's store.
            await using (var connection = new NpgsqlConnection(postgres.ConnectionString))
            {
                await connection.OpenAsync();
                await using var command = new NpgsqlCommand("SELECT count(*), min(length(payloadbinary)) FROM orleansstorage WHERE graintypestring = 'data'", connection);
                await using var reader = await command.ExecuteReaderAsync();
                Assert.True(await reader.ReadAsync());
                Assert.Equal(1, reader.GetInt64(0)); // stored under the state's name, "data"
                Assert.True(reader.GetInt32(1) > 10_000, $"the stored data holds {reader.GetInt32(1)} bytes");
            }

            var silos = await UntilAsync(s => s.GetValueOrDefault(ports[2]) == Dead, TimeSpan.FromSeconds(90), "the killed worker marked dead", Logs);
            Assert.Equal(Active, silos[ports[0]]);
            Assert.Equal(Active, silos[ports[1]]);
        }
        finally
        {
            foreach (var worker in new[] { worker1, worker2 }.Where(w => !w.HasExited))
            {
                worker.Kill();
                await worker.WaitForExitAsync();
            }

            await dashboard.DisposeAsync();
        }
    }
}
