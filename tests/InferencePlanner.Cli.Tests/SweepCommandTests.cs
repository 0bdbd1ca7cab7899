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
    [InlineData("--format", "xlsx", "error: --format: xlsx writes a workbook: give --output FILE.xlsx")]
    [InlineData("--server", "ftp://example.org", "error: --server: 'ftp://example.org' is not an http:// or https:// address")]
    [InlineData("--poll-timeout", "0", "error: --poll-timeout: must be a number of seconds from above 0 to 600")]
    public void Sweep_BadOptions_AreNamed(string option, string value, string message)
    {
        var (code, _, stderr) = Run("sweep", Demo, "-q", option, value);

        Assert.Equal(2, code);
        Assert.Contains(message, stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Sweep_AsXlsx_HoldsTheCsvTable_NumbersAsNumbers_UnknownsEmpty()
    {
        var (_, csv, _) = Run("sweep", Demo, "-q", "--format", "csv");
        var file = Path.Combine(Path.GetTempPath(), $"sweep-{Guid.NewGuid():N}.xlsx");
        try
        {
            var (code, _, stderr) = Run("sweep", Demo, "-q", "--format", "xlsx", "-o", file);
            Assert.True(code == 0, stderr);

            var sheet = MiniExcelLibs.MiniExcel.Query(file, useHeaderRow: true, sheetName: "Sweep").Cast<IDictionary<string, object?>>().ToList();
            Assert.Equal(csv.Split('\n')[0].Split(','), sheet[0].Keys);
            var (_, json, _) = Run("sweep", Demo, "-q");
            var rows = JsonDocument.Parse(json).RootElement.GetProperty("rows").EnumerateArray().ToList();
            Assert.Equal(rows.Count, sheet.Count);
            for (var i = 0; i < sheet.Count; i++)
            {
                // The figures themselves (not text), and an unknown cost an empty cell in both, never 0.
                Assert.Equal(rows[i].GetProperty("variant").GetString(), sheet[i]["Variant"]);
                var cost = rows[i].GetProperty("costUsd");
                Assert.Equal(cost.ValueKind == JsonValueKind.Null ? (double?)null : cost.GetDouble(), sheet[i]["Cost per month (USD)"] is { } cell ? Convert.ToDouble(cell, System.Globalization.CultureInfo.InvariantCulture) : null);
            }
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Sweep_OnAServerThatCannotBeReached_SaysSo()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop(); // nothing listens there now

        var (code, stdout, stderr) = Run("sweep", Demo, "-q", "--server", $"http://127.0.0.1:{port}");

        Assert.Equal(1, code);
        Assert.Equal(string.Empty, stdout);
        Assert.Contains($"error: --server: cannot reach http://127.0.0.1:{port}/", stderr, StringComparison.Ordinal);
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
