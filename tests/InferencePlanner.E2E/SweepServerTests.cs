using System.Diagnostics;
using InferencePlanner.Core.Catalog;
using InferencePlanner.Planning.Sweeps;

namespace InferencePlanner.E2E;

/// <summary>The CLI in its own process runs a sweep on the dashboard's silo (<c>sweep --server URL</c>): the local table, byte for byte.</summary>
public sealed class SweepServerTests(AppServer app) : IClassFixture<AppServer>
{
    [Fact]
    public async Task SweepWithServer_PrintsTheTableTheLocalRunPrints()
    {
        var demo = Path.Combine(RepositoryPaths.Root, "data", "sweeps", "image-model-devices-regions.json");
        var cli = Path.Combine(RepositoryPaths.Root, "src", "InferencePlanner.Cli", "bin", AppServer.BuildConfiguration, "net10.0", "inferenceplanner.dll");
        var start = new ProcessStartInfo("dotnet", [cli, "sweep", demo, "--server", app.BaseAddress.ToString(), "--format", "csv"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(3));

        Assert.True(process.ExitCode == 0, await stderr);
        var local = SweepRunner.Csv(new SweepRunner(CatalogLoader.Load(RepositoryPaths.Catalog)).Run(SweepDocument.Parse(File.ReadAllText(demo))));
        Assert.Equal(local, await stdout);
        // Progress on stderr, by chunks, ending at 100 %.
        Assert.Contains("variants on " + app.BaseAddress, await stderr, StringComparison.Ordinal);
        Assert.Contains("sweeping: 100 %", await stderr, StringComparison.Ordinal);
    }
}
