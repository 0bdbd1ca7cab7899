using System.Text.Json;

namespace InferencePlanner.Cli.Tests;

public sealed class ForecastCommandTests
{
    private static string Scenario(string name) => Path.Combine(RepositoryPaths.Root, "data", "scenarios", name);

    private static (int ExitCode, string Stdout, string Stderr) Run(params string[] args) => CliRun.Capture(args);

    [Theory]
    [InlineData("chatbot-growth.json", 24)]
    [InlineData("recommendation-edge.json", 18)]
    [InlineData("image-classification-three-regions.json", 24)]
    public void Forecast_ExampleScenario_PrintsEveryMonthWithTheContractFields(string file, int months)
    {
        var (code, stdout, stderr) = Run("forecast", Scenario(file));

        Assert.True(code == 0, stderr);
        using var json = JsonDocument.Parse(stdout);
        var list = json.RootElement.GetProperty("months").EnumerateArray().ToList();
        Assert.Equal(months, list.Count);
        foreach (var field in new[] { "month", "peakRatePerSecond", "pools", "latencyMsP99", "sloMet", "costUsd", "energyKWh", "carbonKg", "costPerMillionQueriesUsd" })
        {
            Assert.True(list[0].TryGetProperty(field, out _), $"missing '{field}'");
        }

        Assert.All(list, m => Assert.True(m.GetProperty("sloMet").GetBoolean()));
        var totals = json.RootElement.GetProperty("totals");
        Assert.Equal(list.Sum(m => m.GetProperty("costUsd").GetDouble()), totals.GetProperty("costUsd").GetDouble(), 6);
        Assert.Contains("forecasting: 100 %", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Forecast_ChatbotGrowth_HasBandsAndTheAutoscalingComparison()
    {
        var (_, stdout, _) = Run("forecast", Scenario("chatbot-growth.json"));

        using var json = JsonDocument.Parse(stdout);
        var last = json.RootElement.GetProperty("months")[23];
        var band = last.GetProperty("costBand");
        Assert.True(band.GetProperty("p10").GetDouble() <= band.GetProperty("p50").GetDouble());
        Assert.True(band.GetProperty("p50").GetDouble() <= band.GetProperty("p90").GetDouble());
        var autoscaling = last.GetProperty("autoscaling");
        Assert.True(autoscaling.GetProperty("deviceHoursAutoscaled").GetDouble() < autoscaling.GetProperty("deviceHoursStatic").GetDouble());
        Assert.True(autoscaling.GetProperty("costSavingUsd").GetDouble() > 0);
    }

    [Theory]
    [InlineData("csv", "Month,Peak rate (queries/s)")]
    [InlineData("table", "peak q/s")]
    public void Forecast_TextFormats(string format, string header)
    {
        var (code, stdout, _) = Run("forecast", Scenario("image-classification-three-regions.json"), "--format", format);

        Assert.Equal(0, code);
        Assert.Contains(header, stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Forecast_Xlsx_WritesAWorkbook()
    {
        var file = Path.Combine(Path.GetTempPath(), $"ip-forecast-{Guid.NewGuid():N}.xlsx");
        try
        {
            var (code, _, _) = Run("forecast", Scenario("image-classification-three-regions.json"), "--format", "xlsx", "--out", file);

            Assert.Equal(0, code);
            var sheets = MiniExcelLibs.MiniExcel.GetSheetNames(file);
            Assert.Equal(["Months", "Pools", "Totals", "Assumptions"], sheets);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Size_OneMonth_PrintsTheFleet()
    {
        var (code, stdout, _) = Run("size", Scenario("chatbot-growth.json"), "--month", "12");

        Assert.Equal(0, code);
        using var json = JsonDocument.Parse(stdout);
        Assert.Equal(12, json.RootElement.GetProperty("month").GetInt32());
        Assert.Equal(2, json.RootElement.GetProperty("pools").GetArrayLength());
    }

    [Fact]
    public void Size_DeviceWithoutAPrice_PrintsAnUnknownCost_AndSaysWhy()
    {
        var file = Path.Combine(Path.GetTempPath(), $"ip-scenario-{Guid.NewGuid():N}.json");
        File.WriteAllText(file, """
            { "horizon": { "queries": 10000 }, "workload": { "arrivals": { "kind": "poisson", "ratePerSecond": 100 } },
              "pools": [ { "name": "mi300x", "device": "amd-mi300x", "region": "aws-us-east-1", "count": 1, "service": { "distribution": "exponential", "meanMs": 40 } } ],
              "slo": { "latencyMs": 300, "percentile": 99 } }
            """);
        try
        {
            var (code, stdout, stderr) = Run("size", file);

            Assert.Equal(0, code);
            using var json = JsonDocument.Parse(stdout);
            Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("costUsd").ValueKind);
            Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("pools")[0].GetProperty("costUsd").ValueKind);
            Assert.Contains("warning: pool 'mi300x': its cost is unknown: the catalog has no on-demand price for amd-mi300x in any region", stderr, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Forecast_UnreachableSlo_ExitsTwoNamingTheSlo()
    {
        var file = Path.Combine(Path.GetTempPath(), $"ip-scenario-{Guid.NewGuid():N}.json");
        File.WriteAllText(file, """
            { "horizon": { "queries": 10000 }, "workload": { "arrivals": { "kind": "poisson", "ratePerSecond": 100 } },
              "pools": [ { "name": "slow", "count": 1, "service": { "distribution": "exponential", "meanMs": 500 } } ],
              "slo": { "latencyMs": 100, "percentile": 99 }, "growth": { "months": 2, "monthlyGrowthPercent": 5 } }
            """);
        try
        {
            var (code, _, stderr) = Run("forecast", file);

            Assert.Equal(2, code);
            Assert.Contains("$.slo", stderr, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
