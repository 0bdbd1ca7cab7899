using System.Diagnostics;
using System.Text.Json;

namespace InferencePlanner.Cli.Tests;

public sealed class CatalogCommandTests
{
    private static readonly string[] DesignDeviceIds =
    [
        "nvidia-h100-sxm", "nvidia-h200", "nvidia-a100-sxm-80gb", "nvidia-l4", "nvidia-l40s", "nvidia-t4",
        "nvidia-b200", "amd-mi300x", "google-tpu-v5e", "google-tpu-v5p", "google-tpu-v6e", "aws-inferentia2",
        "nvidia-jetson-agx-orin", "nvidia-jetson-orin-nano", "amd-epyc-9654", "local-cpu",
    ];

    private static (int ExitCode, string Stdout, string Stderr) Run(params string[] args) => CliRun.Capture(args);

    [Fact]
    public void CatalogDevices_ListsEveryDesignIdWithItsSources()
    {
        var (code, stdout, stderr) = Run("catalog", "devices");

        Assert.Equal(0, code);
        Assert.Empty(stderr);
        using var json = JsonDocument.Parse(stdout);
        var sources = json.RootElement.GetProperty("sources");
        var devices = json.RootElement.GetProperty("devices").EnumerateArray().ToDictionary(d => d.GetProperty("id").GetString()!);
        foreach (var id in DesignDeviceIds)
        {
            Assert.True(devices.TryGetValue(id, out var device), $"'{id}' missing");
            var keys = device.EnumerateObject()
                .Where(p => p.Value.ValueKind == JsonValueKind.Object && p.Value.TryGetProperty("source", out _))
                .Select(p => p.Value.GetProperty("source").GetString()!)
                .ToList();
            Assert.NotEmpty(keys);
            foreach (var key in keys)
            {
                Assert.True(sources.TryGetProperty(key, out var source), $"source '{key}' of {id} not printed");
                Assert.False(string.IsNullOrWhiteSpace(source.GetProperty("citation").GetString()));
                Assert.False(string.IsNullOrWhiteSpace(source.GetProperty("date").GetString()));
            }
        }
    }

    [Fact]
    public void Catalog_WithoutPart_PrintsDevices()
    {
        var (code, stdout, _) = Run("catalog");

        Assert.Equal(0, code);
        using var json = JsonDocument.Parse(stdout);
        Assert.True(json.RootElement.TryGetProperty("devices", out _));
    }

    [Theory]
    [InlineData("regions", "gridGramsCo2PerKwh")]
    [InlineData("prices", "usdPerAcceleratorHour")]
    public void CatalogPart_PrintsEntriesWithTheirFacts(string part, string factField)
    {
        var (code, stdout, _) = Run("catalog", part);

        Assert.Equal(0, code);
        using var json = JsonDocument.Parse(stdout);
        var entries = json.RootElement.GetProperty(part).EnumerateArray().ToList();
        Assert.NotEmpty(entries);
        Assert.All(entries, e => Assert.True(e.TryGetProperty(factField, out _)));
    }

    [Fact]
    public void CatalogPart_Unknown_ExitsTwoNamingTheArgument()
    {
        var (code, stdout, stderr) = Run("catalog", "gpus");

        Assert.Equal(2, code);
        Assert.Empty(stdout);
        Assert.Contains("gpus", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Catalog_BrokenFolder_ExitsTwoNamingTheFile()
    {
        var dir = Directory.CreateTempSubdirectory("ip-cli-").FullName;
        try
        {
            var (code, stdout, stderr) = Run("catalog", "devices", "--catalog", dir);

            Assert.Equal(2, code);
            Assert.Empty(stdout);
            Assert.Contains("sources.json", stderr, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Process_CatalogDevices_WritesJsonToStdoutAndExitsZero()
    {
        // The real executable, as a script would call it.
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "inferenceplanner.dll"), "catalog", "devices"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);

        Assert.Equal(0, process.ExitCode);
        using var json = JsonDocument.Parse(await stdout);
        Assert.Contains(json.RootElement.GetProperty("devices").EnumerateArray(), d => d.GetProperty("id").GetString() == "nvidia-h100-sxm");
        Assert.Empty(await stderr);
    }
}
