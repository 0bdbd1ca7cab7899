using System.IO.Compression;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using InferencePlanner.Cli;
using InferencePlanner.Core.Catalog;
using InferencePlanner.Core.Profiles;
using InferencePlanner.Web.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace InferencePlanner.Web.Tests.Api;

/// <summary>
/// The dashboard and the command line give the same figures for the same scenario: the team's catalog edits and saved
/// profiles leave the app as one export the CLI reads with <c>--data</c>, and a saved calibration never takes the id of
/// a profile scenarios already name.
/// </summary>
public sealed class OneStoreTests : IDisposable
{
    private const string Shipped = "resnet50-local-cpu-fp32";
    private readonly ApiHost _host = new();
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("ip-one-store-");

    public void Dispose()
    {
        _host.Dispose();
        _work.Delete(recursive: true);
    }

    private static string Scenario(string profile, bool growth) => new JsonObject
    {
        ["name"] = "resnet-50 on L4 in Iowa",
        ["seed"] = 11,
        ["horizon"] = new JsonObject { ["queries"] = 20000, ["warmupQueries"] = 2000 },
        ["workload"] = JsonNode.Parse("""{ "arrivals": { "kind": "poisson", "ratePerSecond": 5 } }"""),
        ["pools"] = new JsonArray(new JsonObject
        {
            ["name"] = "l4", ["device"] = "nvidia-l4", ["region"] = "gcp-us-central1", ["count"] = 1,
            ["service"] = new JsonObject { ["profile"] = profile },
        }),
        ["slo"] = growth ? JsonNode.Parse("""{ "latencyMs": 400, "percentile": 99 }""") : null,
        ["growth"] = growth ? JsonNode.Parse("""{ "months": 2, "monthlyGrowthPercent": 10 }""") : null,
    }.ToJsonString();

    private string Write(string name, string json)
    {
        var file = Path.Combine(_work.FullName, name);
        File.WriteAllText(file, json);
        return file;
    }

    private static (int Code, JsonElement Json, string Stderr) Cli(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = CliApp.Run(args, stdout, stderr);
        Assert.True(code == 0, stderr.ToString());
        return (code, JsonDocument.Parse(stdout.ToString()).RootElement.Clone(), stderr.ToString());
    }

    private static async Task<JsonElement> PostAsync(HttpClient client, string path, string json)
    {
        using var response = await client.PostAsync(new Uri(path, UriKind.Relative), new StringContent(json, Encoding.UTF8, "application/json"));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    [Fact]
    public async Task CommandLine_WithTheExport_GivesTheDashboardsFigures_AndASavedProfileShadowsNothing()
    {
        // The team's edits: L4 prices in Iowa doubled, a calibration of resnet-50 three times slower than the shipped one.
        var catalogs = _host.Services.GetRequiredService<CatalogService>();
        foreach (var price in catalogs.Current.Prices.Where(p => p.DeviceId == "nvidia-l4" && p.Region == "gcp-us-central1" && p.UsdPerAcceleratorHour.IsKnown).ToList())
        {
            await catalogs.SaveAsync(price with { UsdPerAcceleratorHour = Fact.Known(2 * price.UsdPerAcceleratorHour.Value!.Value, CatalogService.PendingSource, "2026-11-30") }, "our negotiated rate");
        }

        var store = _host.Services.GetRequiredService<ProfileStore>();
        Assert.True(store.TryGet(Shipped, out var shipped));
        var calibrated = shipped with { Points = [.. shipped.Points.Select(p => p with { MedianMs = 3 * p.MedianMs, MeanMs = 3 * p.MeanMs, P90Ms = 3 * p.P90Ms, P99Ms = 3 * p.P99Ms })] };
        using (var scope = _host.Services.CreateScope())
        await using (var db = await _host.Services.GetRequiredService<IDbContextFactory<PlannerDb>>().CreateDbContextAsync())
        {
            var actions = scope.ServiceProvider.GetRequiredService<PlannerActions>();
            var saved = await actions.SaveProfileAsync(calibrated, db);
            var again = await actions.SaveProfileAsync(calibrated, db);
            Assert.Equal($"{Shipped}-2", saved.Id);
            Assert.Equal($"{Shipped}-3", again.Id);
        }

        Assert.True(store.TryGet(Shipped, out var still));
        Assert.Same(shipped, still); // the shipped id keeps the shipped figures

        using var client = _host.Client();
        using var export = await client.GetAsync(new Uri("/api/catalog/export", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, export.StatusCode);
        Assert.Equal("application/zip", export.Content.Headers.ContentType?.MediaType);
        var data = Path.Combine(_work.FullName, "data");
        using (var zip = new ZipArchive(await export.Content.ReadAsStreamAsync()))
        {
            zip.ExtractToDirectory(data);
        }

        // Forecast: the edited price, in the app and on the command line given the export; the shipped price without it.
        var forecast = Write("forecast.json", Scenario(Shipped, growth: true));
        var api = await PostAsync(client, "/api/forecast", Scenario(Shipped, growth: true));
        var (_, withData, said) = Cli("forecast", forecast, "--data", data);
        var (_, alone, _) = Cli("forecast", forecast);
        var apiCost = api.GetProperty("totals").GetProperty("costUsd").GetDouble();
        Assert.Equal(apiCost, withData.GetProperty("totals").GetProperty("costUsd").GetDouble());
        Assert.Equal(apiCost, 2 * alone.GetProperty("totals").GetProperty("costUsd").GetDouble(), 9);
        Assert.Contains($"data: {data}", said, StringComparison.Ordinal);

        // Simulate: the saved profile by its own id, the shipped one by its id, alike in the app and on the command line.
        foreach (var id in new[] { Shipped, $"{Shipped}-2" })
        {
            var apiRun = await PostAsync(client, "/api/simulate", Scenario(id, growth: false));
            var (_, cliRun, _) = Cli("simulate", Write($"{id}.json", Scenario(id, growth: false)), "--data", data);
            Assert.Equal(apiRun.GetProperty("latencyMs").GetProperty("p99").GetDouble(), cliRun.GetProperty("latencyMs").GetProperty("p99").GetDouble());
        }

        var slow = await PostAsync(client, "/api/simulate", Scenario($"{Shipped}-2", growth: false));
        var fast = await PostAsync(client, "/api/simulate", Scenario(Shipped, growth: false));
        Assert.True(slow.GetProperty("latencyMs").GetProperty("p50").GetDouble() > 2.5 * fast.GetProperty("latencyMs").GetProperty("p50").GetDouble());
    }

    [Fact]
    public void CommandLine_DataFolderWithoutACatalog_SaysWhatItNeeds()
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();

        var code = CliApp.Run(["forecast", Write("f.json", Scenario(Shipped, growth: true)), "--data", _work.FullName], stdout, stderr);

        Assert.NotEqual(0, code);
        Assert.Contains("--data", stderr.ToString(), StringComparison.Ordinal);
        Assert.Contains("has no catalog folder", stderr.ToString(), StringComparison.Ordinal);
    }
}
