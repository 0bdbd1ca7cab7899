using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace InferencePlanner.E2E;

/// <summary>
/// The Dockerfile's build stage, run here (no container engine is needed for it): the published app must
/// carry the catalog and the static files, and serve /health from its own folder.
/// </summary>
public sealed class PublishTests
{
    [Fact]
    public async Task Publish_AsTheDockerfileDoes_CarriesDataAndWwwroot_AndServesHealth()
    {
        var output = Directory.CreateTempSubdirectory("ip-publish-").FullName;
        try
        {
            var project = Path.Combine(RepositoryPaths.Root, "src", "InferencePlanner.Web", "InferencePlanner.Web.csproj");
            var (code, log) = await RunAsync("dotnet", ["publish", project, "-c", "Release", "-r", "linux-x64", "--self-contained", "false", "-o", output, "-nologo"], TimeSpan.FromMinutes(4));
            Assert.True(code == 0, $"dotnet publish failed:\n{log}");

            Assert.True(File.Exists(Path.Combine(output, "data", "catalog", "devices.json")), "data/catalog missing");
            Assert.True(File.Exists(Path.Combine(output, "data", "traces", "azure-llm-2023-conv.csv")), "data/traces missing");
            Assert.Equal(
                await File.ReadAllBytesAsync(Path.Combine(RepositoryPaths.Root, "wwwroot", "favicon.svg")),
                await File.ReadAllBytesAsync(Path.Combine(output, "wwwroot", "favicon.svg")));
            Assert.True(File.Exists(Path.Combine(output, "libonnxruntime.so")), "ONNX Runtime's native library missing");

            await AssertServesHealthAsync(output);
        }
        finally
        {
            Directory.Delete(output, recursive: true);
        }
    }

    private static async Task AssertServesHealthAsync(string output)
    {
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        // As the container runs it: Production, its own folder as content root, a port from the environment.
        var start = new ProcessStartInfo("dotnet", ["InferencePlanner.Web.dll"])
        {
            WorkingDirectory = output,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        using var app = Process.Start(start)!;
        try
        {
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(5) };
            var deadline = DateTime.UtcNow.AddSeconds(60);
            HttpStatusCode? status = null;
            while (DateTime.UtcNow < deadline && !app.HasExited)
            {
                try
                {
                    using var response = await client.GetAsync(new Uri("health", UriKind.Relative));
                    status = response.StatusCode;
                    break;
                }
                catch (HttpRequestException)
                {
                    await Task.Delay(250);
                }
            }

            Assert.Equal(HttpStatusCode.OK, status);
            using var css = await client.GetAsync(new Uri("app.css", UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, css.StatusCode);
        }
        finally
        {
            if (!app.HasExited)
            {
                app.Kill(entireProcessTree: true);
            }

            await app.WaitForExitAsync();
        }
    }

    private static async Task<(int Code, string Log)> RunAsync(string file, string[] args, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        await process.WaitForExitAsync(cts.Token);
        return (process.ExitCode, await stdout + await stderr);
    }
}
