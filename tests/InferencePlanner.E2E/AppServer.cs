using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Text;

namespace InferencePlanner.E2E;

/// <summary>
/// The real dashboard in its own process on a free loopback port, started as <c>dotnet run</c> would start
/// it (its build output, its project folder as content root), and stopped with the test class.
/// </summary>
public class AppServer : IAsyncLifetime
{
    private readonly StringBuilder _log = new();
    private Process? _process;
    private string? _storage;

    public Uri BaseAddress { get; private set; } = new("http://127.0.0.1/");

    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    /// <summary>The configuration these tests were built in (the app's build output is in the same one).</summary>
    public static string BuildConfiguration { get; } = typeof(AppServer).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "BuildConfiguration").Value!;

    /// <summary>The web project's folder (the app's content root, as <c>dotnet run</c> sets it).</summary>
    public static string WebProject { get; } = Path.Combine(RepositoryPaths.Root, "src", "InferencePlanner.Web");

    /// <summary>The web app's build output.</summary>
    public static string WebDll { get; } = Path.Combine(WebProject, "bin", BuildConfiguration, "net10.0", "InferencePlanner.Web.dll");

    /// <summary>Extra settings for the app, as environment variables (e.g. <c>Api__MaxConcurrentRuns</c>).</summary>
    protected virtual IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string>();

    /// <summary>The app's process id (for its memory, or to kill it).</summary>
    public int ProcessId => _process?.Id ?? 0;

    /// <summary>The app's data folder (its SQLite file and uploads).</summary>
    public string StorageFolder => _storage ?? throw new InvalidOperationException("not started");

    /// <summary>Kills the process at once (no shutdown), as a crash or a power cut would.</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process?.Dispose();
        _process = null;
    }

    /// <summary>Starts the app again on the same data folder.</summary>
    public Task RestartAsync() => StartAsync();

    public Task InitializeAsync()
    {
        // A fresh database per run, so the demos are seeded and nothing of an earlier run leaks in.
        _storage = Directory.CreateTempSubdirectory("ip-e2e-").FullName;
        return StartAsync();
    }

    private async Task StartAsync()
    {
        var (project, dll) = (WebProject, WebDll);
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException($"build the web app first: {dll}");
        }

        var port = FreeLoopbackPort();
        BaseAddress = new Uri($"http://127.0.0.1:{port}/");
        var start = new ProcessStartInfo("dotnet", [dll, "--urls", BaseAddress.ToString().TrimEnd('/')])
        {
            WorkingDirectory = project,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        start.Environment["Storage__Folder"] = _storage;
        foreach (var (name, value) in Settings)
        {
            start.Environment[name] = value;
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException("could not start the web app");
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        using var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"the web app exited with {_process.ExitCode}:\n{Log}");
            }

            try
            {
                using var response = await client.GetAsync(new Uri("health", UriKind.Relative));
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }
            catch (TaskCanceledException)
            {
                // not answering yet
            }

            await Task.Delay(250);
        }

        throw new TimeoutException($"the web app did not answer /health within 90 s:\n{Log}");
    }

    public async Task DisposeAsync()
    {
        await KillAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (_storage is not null)
        {
            Directory.Delete(_storage, recursive: true);
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            _log.AppendLine(line);
        }
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
