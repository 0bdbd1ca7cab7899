using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using InferencePlanner.Core.Analytics;

namespace InferencePlanner.Web.Tests.Api;

/// <summary>One in-memory app for the API tests of this class (its own data folder; a 64 KiB body limit).</summary>
public sealed class ApiFixture : IDisposable
{
    public ApiHost Host { get; } = new(new Dictionary<string, string> { ["Api:MaxRequestBytes"] = "65536", ["Api:MaxQueriesPerRun"] = "2000000" });

    public void Dispose() => Host.Dispose();
}

/// <summary>The HTTP API of DESIGN.md through the real pipeline: answers, every kind of bad input, limits, versions.</summary>
public sealed class ApiTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    private static readonly string Mm4 = BadScenarios.Mm4;

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static string Edit(Action<JsonNode> change) => BadScenarios.Edit(change);

    private static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"{(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    [Fact]
    public async Task OpenApi_DescribesEveryRoute()
    {
        using var client = fixture.Host.Client();

        using var document = JsonDocument.Parse(await client.GetStringAsync(new Uri("/openapi/v1.json", UriKind.Relative)));

        var paths = document.RootElement.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        Assert.Superset(new HashSet<string>
        {
            "/api/simulate", "/api/forecast", "/api/validate", "/api/catalog/devices", "/api/scenarios", "/api/scenarios/{id}",
            "/api/calibrations", "/api/calibrations/upload", "/api/jobs/{id}", "/api/sweeps", "/api/sweeps/{id}",
        }, paths.ToHashSet());
    }

    [Fact]
    public async Task Simulate_Mm4_AnswersTheResultJson_NearErlangC()
    {
        using var client = fixture.Host.Client();

        using var response = await client.PostAsync(new Uri("/api/simulate?queries=200000&replications=2", UriKind.Relative), Json(Mm4));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var result = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = result.RootElement;
        Assert.True(root.GetProperty("stable").GetBoolean());
        Assert.Equal(2, root.GetProperty("replications").GetInt32());
        // P(wait) over 2 × 200,000 queries has a standard error of ≈ 0.0034: the engine's validation measured a 95 %
        // half-width of 0.001073 over 10 replications of 2 M (SE 0.001073 / 2.262), × √(20 M / 0.4 M) for this size.
        // Within 5 SE of Erlang C's 0.596432.
        Assert.Equal(new MmcQueue(3.2, 1, 4).ProbabilityOfWait, root.GetProperty("probabilityOfWait").GetDouble(), 5 * 0.0034);
        Assert.True(root.TryGetProperty("ci95", out _));
    }

    [Fact]
    public async Task Simulate_GenerativeWithReplications_AnswersTtftTpotAndTokens_WithHalfWidths()
    {
        using var client = fixture.Host.Client();
        var chatbot = await File.ReadAllTextAsync(Path.Combine(RepositoryPaths.Root, "data", "scenarios", "llm-chatbot-h100.json"));

        using var response = await client.PostAsync(new Uri("/api/simulate?queries=3000&replications=3", UriKind.Relative), Json(chatbot));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var result = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = result.RootElement;
        Assert.True(root.GetProperty("ttftMs").GetProperty("p99").GetDouble() > 0);
        Assert.True(root.GetProperty("tpotMs").GetProperty("p99").GetDouble() > 0);
        Assert.True(root.GetProperty("outputTokensPerSecond").GetDouble() > 0);
        Assert.True(root.GetProperty("ci95").GetProperty("p99TtftMs").GetDouble() > 0);
        Assert.True(root.GetProperty("ci95").GetProperty("p99TpotMs").GetDouble() > 0);
    }

    [Fact]
    public async Task Simulate_Overloaded_IsReportedNotRun()
    {
        using var client = fixture.Host.Client();

        using var response = await client.PostAsync(new Uri("/api/simulate", UriKind.Relative),
            Json(Edit(n => n["workload"]!["arrivals"]!["ratePerSecond"] = 5.0)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var result = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.False(result.RootElement.GetProperty("stable").GetBoolean());
        Assert.StartsWith("pool 'servers' is offered 5 queries/s", result.RootElement.GetProperty("reason").GetString(), StringComparison.Ordinal);
    }

    public static TheoryData<string, string, string> Bad()
    {
        // Through the API a trace must also lie in the data folder: /etc/passwd is refused before it is read.
        var data = BadScenarios.Theory();
        data.Add("empty", "", "$");
        return data;
    }

    [Theory]
    [MemberData(nameof(Bad))]
    public async Task BadScenario_IsAnswered400_NamingTheField_OnValidateAndSimulate(string what, string document, string field)
    {
        using var client = fixture.Host.Client();

        foreach (var route in new[] { "/api/validate", "/api/simulate" })
        {
            using var response = await client.PostAsync(new Uri(route, UriKind.Relative), Json(document));

            var problem = await ProblemAsync(response, HttpStatusCode.BadRequest);
            var fields = problem.GetProperty("errors").EnumerateObject().Select(e => e.Name).ToList();
            Assert.True(fields.Any(f => f.StartsWith(field, StringComparison.Ordinal)), $"{what} on {route}: errors name {string.Join(", ", fields)}, not {field}");
        }

        // The app lives on.
        using var health = await client.GetAsync(new Uri("/health", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Theory]
    [InlineData("/api/simulate?replications=0", "replications")]
    [InlineData("/api/simulate?replications=33", "replications")]
    [InlineData("/api/simulate?queries=3000000", "queries")]
    [InlineData("/api/simulate?queries=1000000&replications=3", "queries")]
    [InlineData("/api/simulate?seed=-4", "seed")]
    [InlineData("/api/simulate?seed=abc", "seed")]
    [InlineData("/api/simulate?replications=1e3", "replications")]
    [InlineData("/api/simulate?queries=20000000000", "queries")]
    [InlineData("/api/simulate?queries=0", "queries")]
    [InlineData("/api/forecast", "$.growth")]
    [InlineData("/api/forecast?format=pdf", "format")]
    public async Task WorkBeyondTheLimits_IsAnswered400_NamingTheLimit(string route, string field)
    {
        using var client = fixture.Host.Client();

        using var response = await client.PostAsync(new Uri(route, UriKind.Relative), Json(Mm4));

        var problem = await ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Contains(field, problem.GetProperty("errors").EnumerateObject().Select(e => e.Name));
    }

    [Fact]
    public async Task BodyOverTheLimit_IsAnswered413()
    {
        using var client = fixture.Host.Client();
        var padded = Edit(n => n["description"] = new string('x', 70_000));

        using var response = await client.PostAsync(new Uri("/api/validate", UriKind.Relative), Json(padded));

        var problem = await ProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
        Assert.Contains("65,536 bytes", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Forecast_DeviceWithoutAPrice_AnswersAnUnknownCost_AsNull()
    {
        using var client = fixture.Host.Client();
        var mi300x = Edit(n =>
        {
            n["pools"]![0]!["device"] = "amd-mi300x";
            n["pools"]![0]!["region"] = "aws-us-east-1";
            n["slo"] = JsonNode.Parse("""{ "latencyMs": 30000, "percentile": 99 }""");
            n["growth"] = JsonNode.Parse("""{ "months": 2, "monthlyGrowthPercent": 5 }""");
        });

        using var response = await client.PostAsync(new Uri("/api/forecast", UriKind.Relative), Json(mi300x));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var result = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(JsonValueKind.Null, result.RootElement.GetProperty("totals").GetProperty("costUsd").ValueKind);
        Assert.All(result.RootElement.GetProperty("months").EnumerateArray(), m => Assert.Equal(JsonValueKind.Null, m.GetProperty("costUsd").ValueKind));
        Assert.Contains(result.RootElement.GetProperty("warnings").EnumerateArray(), w => w.GetString()!.Contains("its cost is unknown", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Forecast_Xlsx_IsTheWorkbookTheCommandLineWrites()
    {
        using var client = fixture.Host.Client();
        var node = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(RepositoryPaths.Root, "data", "scenarios", "image-classification-three-regions.json")))!;
        node["growth"]!["months"] = 2;
        var scenario = node.ToJsonString();
        var file = Path.Combine(Path.GetTempPath(), $"ip-api-forecast-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(file + ".json", scenario);
        try
        {
            using var response = await client.PostAsync(new Uri("/api/forecast?format=xlsx", UriKind.Relative), Json(scenario));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", response.Content.Headers.ContentType?.MediaType);
            var api = new MemoryStream(await response.Content.ReadAsByteArrayAsync());
            using (var stdout = new StringWriter())
            using (var stderr = new StringWriter())
            {
                Assert.Equal(0, Cli.CliApp.Run(["forecast", file + ".json", "--format", "xlsx", "--out", file + ".xlsx"], stdout, stderr));
            }

            foreach (var sheet in new[] { "Months", "Pools", "Totals", "Assumptions" })
            {
                api.Position = 0;
                using var cli = File.OpenRead(file + ".xlsx");
                Assert.Equal(
                    JsonSerializer.Serialize(MiniExcelLibs.MiniExcel.Query(cli, useHeaderRow: true, sheetName: sheet)),
                    JsonSerializer.Serialize(MiniExcelLibs.MiniExcel.Query(api, useHeaderRow: true, sheetName: sheet)));
            }
        }
        finally
        {
            File.Delete(file + ".json");
            File.Delete(file + ".xlsx");
        }
    }

    [Fact]
    public async Task Forecast_AnswersMonthByMonth_AndCsv()
    {
        using var client = fixture.Host.Client();
        var growth = await File.ReadAllTextAsync(Path.Combine(RepositoryPaths.Root, "data", "scenarios", "chatbot-growth.json"));
        var months = JsonNode.Parse(growth)!["growth"]!["months"]!.GetValue<int>();

        using var json = await client.PostAsync(new Uri("/api/forecast", UriKind.Relative), Json(growth));
        using var csv = await client.PostAsync(new Uri("/api/forecast?format=csv", UriKind.Relative), Json(growth));

        Assert.Equal(HttpStatusCode.OK, json.StatusCode);
        using var result = JsonDocument.Parse(await json.Content.ReadAsStringAsync());
        Assert.Equal(months, result.RootElement.GetProperty("months").GetArrayLength());
        Assert.True(result.RootElement.TryGetProperty("totals", out _));
        Assert.Equal("text/csv", csv.Content.Headers.ContentType?.MediaType);
        Assert.Equal(months + 2, (await csv.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length); // header, months, totals
    }

    [Fact]
    public async Task Catalog_ListsTheDevices()
    {
        using var client = fixture.Host.Client();

        using var devices = JsonDocument.Parse(await client.GetStringAsync(new Uri("/api/catalog/devices", UriKind.Relative)));

        var ids = devices.RootElement.EnumerateArray().Select(d => d.GetProperty("id").GetString()).ToList();
        Assert.Contains("nvidia-h100-sxm", ids);
        Assert.Contains("local-cpu", ids);
    }

    [Fact]
    public async Task Scenarios_CreateReadUpdateDelete_WithVersionsAsETags()
    {
        using var client = fixture.Host.Client();
        var name = $"api-{Guid.NewGuid():N}";
        var document = Edit(n => n["name"] = name);

        using var created = await client.PostAsync(new Uri("/api/scenarios", UriKind.Relative), Json(document));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var location = created.Headers.Location!;
        Assert.Equal("\"v1\"", created.Headers.ETag!.Tag);

        // The same name again: refused, not a second scenario of that name.
        using var duplicate = await client.PostAsync(new Uri("/api/scenarios", UriKind.Relative), Json(document));
        var clash = await ProblemAsync(duplicate, HttpStatusCode.Conflict);
        Assert.True(clash.GetProperty("errors").TryGetProperty("$.name", out _));

        using var read = await client.GetAsync(location);
        using (var body = JsonDocument.Parse(await read.Content.ReadAsStringAsync()))
        {
            Assert.Equal(name, body.RootElement.GetProperty("scenario").GetProperty("name").GetString());
            Assert.Equal(1, body.RootElement.GetProperty("version").GetInt32());
        }

        var changed = Edit(n => { n["name"] = name; n["pools"]![0]!["count"] = 5; });
        using var blind = await client.PutAsync(location, Json(changed));
        await ProblemAsync(blind, (HttpStatusCode)428);

        using var first = new HttpRequestMessage(HttpMethod.Put, location) { Content = Json(changed) };
        first.Headers.IfMatch.Add(new EntityTagHeaderValue("\"v1\""));
        using var saved = await client.SendAsync(first);
        Assert.Equal(HttpStatusCode.OK, saved.StatusCode);
        Assert.Equal("\"v2\"", saved.Headers.ETag!.Tag);

        // Someone who read version 1 saves after that: refused, and version 2 stays.
        using var late = new HttpRequestMessage(HttpMethod.Put, location) { Content = Json(Edit(n => { n["name"] = name; n["pools"]![0]!["count"] = 9; })) };
        late.Headers.IfMatch.Add(new EntityTagHeaderValue("\"v1\""));
        using var refused = await client.SendAsync(late);
        await ProblemAsync(refused, HttpStatusCode.PreconditionFailed);
        using (var now = JsonDocument.Parse(await client.GetStringAsync(location)))
        {
            Assert.Equal(5, now.RootElement.GetProperty("scenario").GetProperty("pools")[0].GetProperty("count").GetInt32());
        }

        // Two saves on one version at the same moment: one is taken, the other refused, neither fails.
        var racing = await Task.WhenAll(Enumerable.Range(0, 2).Select(i =>
        {
            var put = new HttpRequestMessage(HttpMethod.Put, location) { Content = Json(Edit(n => { n["name"] = name; n["pools"]![0]!["count"] = 6 + i; })) };
            put.Headers.IfMatch.Add(new EntityTagHeaderValue("\"v2\"", isWeak: true));
            return client.SendAsync(put);
        }));
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.PreconditionFailed], racing.Select(r => r.StatusCode).Order());
        foreach (var response in racing)
        {
            response.Dispose();
        }

        using var deleted = await client.DeleteAsync(location);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        using var gone = await client.GetAsync(location);
        await ProblemAsync(gone, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Calibration_IsAJob_WithStatus_AndABrokenUploadFailsWithAReason()
    {
        using var client = fixture.Host.Client();

        using var queued = await client.PostAsync(new Uri("/api/calibrations", UriKind.Relative), Json("{ \"model\": \"mlp\", \"batches\": [1, 2] }"));
        Assert.Equal(HttpStatusCode.Accepted, queued.StatusCode);
        var done = await FinishedAsync(client, queued.Headers.Location!);
        Assert.Equal("Succeeded", done.GetProperty("state").GetString());
        Assert.Equal(2, done.GetProperty("result").GetProperty("points").GetArrayLength());

        using var unknown = await client.PostAsync(new Uri("/api/calibrations", UriKind.Relative), Json("{ \"model\": \"gpt-9\" }"));
        Assert.True((await ProblemAsync(unknown, HttpStatusCode.BadRequest)).GetProperty("errors").TryGetProperty("$.model", out _));

        using var garbage = new ByteArrayContent(Encoding.UTF8.GetBytes("this is not a model"));
        garbage.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var upload = await client.PostAsync(new Uri("/api/calibrations/upload?name=broken.onnx&batches=1", UriKind.Relative), garbage);
        Assert.Equal(HttpStatusCode.Accepted, upload.StatusCode);
        var failed = await FinishedAsync(client, upload.Headers.Location!);
        Assert.Equal("Failed", failed.GetProperty("state").GetString());
        Assert.StartsWith("broken.onnx: ", failed.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.False(failed.TryGetProperty("result", out _)); // no partial result passes for one
    }

    [Fact]
    public async Task Calibration_OfAModelSentAsAMultipartForm_IsProfiled()
    {
        using var client = fixture.Host.Client();
        using var form = new MultipartFormDataContent();
        using var file = new ByteArrayContent(Google.Protobuf.MessageExtensions.ToByteArray(InferencePlanner.Calibration.Models.ModelZoo.Create("mlp").Proto));
        form.Add(file, "model", "tiny-mlp.onnx");

        using var queued = await client.PostAsync(new Uri("/api/calibrations/upload?batches=1,2", UriKind.Relative), form);

        Assert.Equal(HttpStatusCode.Accepted, queued.StatusCode);
        var done = await FinishedAsync(client, queued.Headers.Location!);
        Assert.Equal("Succeeded", done.GetProperty("state").GetString());
        Assert.Equal([1, 2], done.GetProperty("result").GetProperty("points").EnumerateArray().Select(p => p.GetProperty("batch").GetInt32()));
        Assert.Contains("tiny-mlp", done.GetProperty("result").GetProperty("model").GetString(), StringComparison.Ordinal);
    }

    private static async Task<JsonElement> FinishedAsync(HttpClient client, Uri job)
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (true)
        {
            using var status = JsonDocument.Parse(await client.GetStringAsync(job));
            if (status.RootElement.GetProperty("state").GetString() is "Succeeded" or "Failed" or "Cancelled")
            {
                return status.RootElement.Clone();
            }

            Assert.True(DateTime.UtcNow < deadline, "the job did not finish within 2 minutes");
            await Task.Delay(100);
        }
    }
}
