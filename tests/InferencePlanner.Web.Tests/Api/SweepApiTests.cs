using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using InferencePlanner.Cluster;
using InferencePlanner.Planning.Sweeps;

namespace InferencePlanner.Web.Tests.Api;

/// <summary>Sweeps through the HTTP API on the app's embedded silo: the table is the local one, byte for byte.</summary>
public sealed class SweepApiTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    private static string Sweep(long queries)
    {
        var node = JsonNode.Parse(File.ReadAllText(Path.Combine(RepositoryPaths.Root, "data", "sweeps", "image-model-devices-regions.json")))!;
        node["base"]!["horizon"]!["queries"] = queries;
        return node.ToJsonString();
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    [Fact]
    public async Task PostASweep_PollIt_TheRowsAreTheLocalTable()
    {
        using var client = fixture.Host.Client();
        var sweep = Sweep(5_000);

        using var started = await client.PostAsync(new Uri("/api/sweeps", UriKind.Relative), Json(sweep));
        var body = await started.Content.ReadAsStringAsync();
        Assert.True(started.StatusCode == HttpStatusCode.Accepted, body);
        var start = JsonDocument.Parse(body).RootElement;
        Assert.Equal(18, start.GetProperty("variants").GetInt32());
        var status = new Uri(start.GetProperty("status").GetString()!, UriKind.Relative);

        JsonElement answer;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        do
        {
            await Task.Delay(100);
            answer = JsonDocument.Parse(await client.GetStringAsync(status)).RootElement.Clone();
        }
        while (answer.GetProperty("state").GetString() == "running" && clock.Elapsed < TimeSpan.FromMinutes(2));

        Assert.Equal("done", answer.GetProperty("state").GetString());
        Assert.Equal(18, answer.GetProperty("done").GetInt32());
        var catalog = fixture.Host.Services.GetService(typeof(Core.Catalog.DeviceCatalog)) as Core.Catalog.DeviceCatalog;
        var local = JsonSerializer.Serialize(new SweepRunner(catalog!).Run(SweepDocument.Parse(sweep)), SweepJson.Options);
        Assert.Equal(local, answer.GetProperty("result").GetRawText());
        Assert.Equal((36, 36), (answer.GetProperty("chunks").GetInt32(), answer.GetProperty("chunksDone").GetInt32()));

        // The same table as CSV and as a workbook, for the finance team's spreadsheets; an unknown format is named.
        var table = new SweepRunner(catalog!).Run(SweepDocument.Parse(sweep));
        Assert.Equal(SweepRunner.Csv(table), await client.GetStringAsync(new Uri(status + "?format=csv", UriKind.Relative)));
        using var workbook = await client.GetAsync(new Uri(status + "?format=xlsx", UriKind.Relative));
        Assert.Equal("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", workbook.Content.Headers.ContentType?.MediaType);
        using var sheet = new MemoryStream(await workbook.Content.ReadAsByteArrayAsync());
        Assert.Equal(18, MiniExcelLibs.MiniExcel.Query(sheet, useHeaderRow: true, sheetName: "Sweep").Count());
        using var unknown = await client.GetAsync(new Uri(status + "?format=xml", UriKind.Relative));
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Contains("format: 'xml' is not json, csv or xlsx", await unknown.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ABadSweep_Is400NamingTheField_AndAnUnknownId404()
    {
        using var client = fixture.Host.Client();
        var bad = JsonNode.Parse(Sweep(5_000))!;
        bad["axes"]![0]!["values"] = new JsonArray("nvidia-h100-sxmm");

        using var refused = await client.PostAsync(new Uri("/api/sweeps", UriKind.Relative), Json(bad.ToJsonString()));
        var problem = await refused.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("variant 0 (device=nvidia-h100-sxmm", problem, StringComparison.Ordinal);

        using var missing = await client.GetAsync(new Uri($"/api/sweeps/{Guid.NewGuid()}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        using var notCancelled = await client.DeleteAsync(new Uri($"/api/sweeps/{Guid.NewGuid()}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, notCancelled.StatusCode);
    }

    [Fact]
    public async Task Delete_CancelsTheSweep()
    {
        using var client = fixture.Host.Client();
        using var started = await client.PostAsync(new Uri("/api/sweeps", UriKind.Relative), Json(Sweep(150_000)));
        var id = JsonDocument.Parse(await started.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();

        using var cancel = await client.DeleteAsync(new Uri($"/api/sweeps/{id}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);

        var answer = JsonDocument.Parse(await client.GetStringAsync(new Uri($"/api/sweeps/{id}", UriKind.Relative))).RootElement;
        Assert.Equal("cancelled", answer.GetProperty("state").GetString());
        Assert.True(answer.GetProperty("done").GetInt32() < answer.GetProperty("total").GetInt32());
    }
}
