using System.Text.Json;

namespace InferencePlanner.Cli.Tests;

public sealed class SweepCommandTests
{
    private static string Demo => Path.Combine(RepositoryPaths.Root, "data", "sweeps", "image-model-devices-regions.json");

    private static (int ExitCode, string Stdout, string Stderr) Run(params string[] args) => CliRun.Capture(args);

    [Fact]
    public void Sweep_PrintsOneRowPerVariant_AsJsonAndCsv_TheSameFigures()
    {
        var (code, stdout, stderr) = Run("sweep", Demo, "-q");
        Assert.True(code == 0, stderr);
        using var json = JsonDocument.Parse(stdout);
        var rows = json.RootElement.GetProperty("rows").EnumerateArray().ToList();
        Assert.Equal(18, rows.Count);
        Assert.Contains(rows, r => r.GetProperty("pareto").GetBoolean());

        var (csvCode, csv, csvErr) = Run("sweep", Demo, "-q", "--format", "csv");
        Assert.True(csvCode == 0, csvErr);
        var lines = csv.TrimEnd('\n').Split('\n');
        Assert.Equal("Index,Variant,Stable,Devices,p99 (ms),SLO met,Cost per month (USD),Energy (kWh),Carbon (kg CO2e),Pareto,Reason", lines[0]);
        Assert.Equal(19, lines.Length);
        // The same table: each priced row's cost as JSON gives it (to the CSV's three places).
        for (var i = 0; i < rows.Count; i++)
        {
            var cost = rows[i].GetProperty("costUsd");
            Assert.Contains(cost.ValueKind == JsonValueKind.Null ? ",," : $",{cost.GetDouble().ToString("0.###", System.Globalization.CultureInfo.InvariantCulture)},", lines[i + 1], StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("--max-variants", "5", "error: $.axes: the axes make more than 5 variants")]
    [InlineData("--format", "xml", "error:")]
    public void Sweep_BadOptions_AreNamed(string option, string value, string message)
    {
        var (code, _, stderr) = Run("sweep", Demo, "-q", option, value);

        Assert.Equal(2, code);
        Assert.Contains(message, stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Sweep_AMissingOrMalformedDocument_IsNamed()
    {
        var (code, _, stderr) = Run("sweep", "no-such-sweep.json");
        Assert.Equal(2, code);
        Assert.Contains("error: sweep: 'no-such-sweep.json' does not exist", stderr, StringComparison.Ordinal);

        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, """{ "base": { "name": "x" }, "axis": [] }""");
            var (badCode, _, badErr) = Run("sweep", file);
            Assert.Equal(2, badCode);
            Assert.Contains("not a sweep document", badErr, StringComparison.Ordinal);
            Assert.Contains("axis", badErr, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
