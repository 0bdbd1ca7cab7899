using System.Net;
using System.Text;
using System.Text.Json;
using InferencePlanner.Web.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace InferencePlanner.Web.Tests.Api;

/// <summary>Load turned away rather than queued without end; optional sign-in and API key; page headers; restarts.</summary>
public sealed class HardeningTests
{
    private static readonly string Mm4 = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "data", "scenarios", "mm4-erlang-c.json"));

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    [Fact]
    public async Task RunsBeyondTheSlotsAndTheQueue_Get429WithRetryAfter_TheOthersTheirResult()
    {
        using var host = new ApiHost(new Dictionary<string, string> { ["Api:MaxConcurrentRuns"] = "1", ["Api:MaxQueuedRuns"] = "1" });
        using var client = host.Client();

        // A first, short run warms the host: a cold first request spends a second compiling, and requests that reach
        // the gate one after another would each find it free.
        using (var warm = await client.PostAsync(new Uri("/api/simulate?queries=20000", UriKind.Relative), Json(Mm4)))
        {
            Assert.Equal(HttpStatusCode.OK, warm.StatusCode);
        }

        // One slot and one place in the queue. A long run (19 M queries, over a second) takes the slot, a second
        // request the queue, and the six sent while they last are turned away.
        var running = client.PostAsync(new Uri("/api/simulate?queries=19000000", UriKind.Relative), Json(Mm4));
        await Task.Delay(200);
        var queued = client.PostAsync(new Uri("/api/simulate?queries=20000", UriKind.Relative), Json(Mm4));
        await Task.Delay(200);
        var rest = Enumerable.Range(0, 6).Select(_ => client.PostAsync(new Uri("/api/simulate?queries=20000", UriKind.Relative), Json(Mm4))).ToList();
        var responses = await Task.WhenAll([running, queued, .. rest]);

        try
        {
            Assert.All(responses, r => Assert.Contains(r.StatusCode, new[] { HttpStatusCode.OK, HttpStatusCode.TooManyRequests }));
            var served = responses.Where(r => r.StatusCode == HttpStatusCode.OK).ToList();
            var refused = responses.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests).ToList();
            Assert.True(served.Count >= 2, $"{served.Count} served");
            Assert.NotEmpty(refused);
            foreach (var response in refused)
            {
                Assert.True(int.Parse(response.Headers.RetryAfter!.ToString(), System.Globalization.CultureInfo.InvariantCulture) >= 1);
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            }

            // Every answer that was served is whole.
            foreach (var response in served)
            {
                using var result = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                Assert.True(result.RootElement.GetProperty("stable").GetBoolean());
            }
        }
        finally
        {
            foreach (var response in responses)
            {
                response.Dispose();
            }
        }
    }

    [Fact]
    public async Task UploadOverTheLimit_IsAnswered413_AndNothingIsQueued()
    {
        using var host = new ApiHost(new Dictionary<string, string> { ["Api:MaxUploadBytes"] = "1024" });
        using var client = host.Client();
        using var body = new ByteArrayContent(new byte[4096]);
        body.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/octet-stream");

        using var response = await client.PostAsync(new Uri("/api/calibrations/upload?name=big.onnx", UriKind.Relative), body);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("1,024", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await using var db = await host.Services.GetRequiredService<IDbContextFactory<PlannerDb>>().CreateDbContextAsync();
        Assert.Equal(0, await db.Runs.CountAsync());
    }

    [Fact]
    public async Task ApiKey_WhenConfigured_IsRequiredByTheApi_NotByHealth()
    {
        using var host = new ApiHost(new Dictionary<string, string> { ["Auth:ApiKey"] = "s3cret-key" });
        using var client = host.Client();

        using var without = await client.GetAsync(new Uri("/api/catalog/devices", UriKind.Relative));
        using var wrong = new HttpRequestMessage(HttpMethod.Get, "/api/catalog/devices") { Headers = { { "X-Api-Key", "guess" } } };
        using var wrongResponse = await client.SendAsync(wrong);
        using var right = new HttpRequestMessage(HttpMethod.Get, "/api/catalog/devices") { Headers = { { "X-Api-Key", "s3cret-key" } } };
        using var rightResponse = await client.SendAsync(right);
        using var health = await client.GetAsync(new Uri("/health", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Unauthorized, without.StatusCode);
        Assert.Equal("application/problem+json", without.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.Unauthorized, wrongResponse.StatusCode);
        Assert.Equal(HttpStatusCode.OK, rightResponse.StatusCode);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task DashboardPassword_WhenConfigured_SendsToSignIn_AndTheCookieLetsIn()
    {
        using var host = new ApiHost(new Dictionary<string, string> { ["Auth:DashboardPassword"] = "correct horse" });
        using var client = host.Client(followRedirects: false);

        using var page = await client.GetAsync(new Uri("/catalog?tab=prices", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.Equal("/login?returnUrl=%2Fcatalog%3Ftab%3Dprices", page.Headers.Location!.OriginalString);

        using var signIn = await client.GetAsync(new Uri("/login", UriKind.Relative));
        Assert.Contains("type=\"password\"", await signIn.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var wrong = await client.PostAsync(new Uri("/login", UriKind.Relative),
            new FormUrlEncodedContent(new Dictionary<string, string> { ["password"] = "guess", ["returnUrl"] = "/catalog" }));
        Assert.StartsWith("/login?failed=1", wrong.Headers.Location!.OriginalString, StringComparison.Ordinal);

        // The API is not left open by a dashboard password without an API key: it wants the signed-in cookie.
        using var apiSignedOut = await client.GetAsync(new Uri("/api/catalog/devices", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Unauthorized, apiSignedOut.StatusCode);

        // A return address elsewhere is not followed: only local paths ("//host", "/\host" and "/\t/host" lead away).
        foreach (var away in new[] { "//evil.example/catalog", "/\\evil.example", "/\t/evil.example" })
        {
            using var signedIn = await client.PostAsync(new Uri("/login", UriKind.Relative),
                new FormUrlEncodedContent(new Dictionary<string, string> { ["password"] = "correct horse", ["returnUrl"] = away }));
            Assert.Equal("/", signedIn.Headers.Location!.OriginalString);
        }

        using var after = await client.GetAsync(new Uri("/catalog", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        Assert.Contains("nvidia-h100-sxm", await after.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var apiSignedIn = await client.GetAsync(new Uri("/api/catalog/devices", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, apiSignedIn.StatusCode);
    }

    [Fact]
    public async Task SignIn_GuessingIsLimited_TenAMinute()
    {
        using var host = new ApiHost(new Dictionary<string, string> { ["Auth:DashboardPassword"] = "correct horse" });
        using var client = host.Client(followRedirects: false);

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 12; i++)
        {
            using var attempt = await client.PostAsync(new Uri("/login", UriKind.Relative),
                new FormUrlEncodedContent(new Dictionary<string, string> { ["password"] = $"guess {i}", ["returnUrl"] = "/" }));
            statuses.Add(attempt.StatusCode);
        }

        Assert.Equal(Enumerable.Repeat(HttpStatusCode.Redirect, 10).Concat(Enumerable.Repeat(HttpStatusCode.TooManyRequests, 2)), statuses);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/api/catalog/devices")]
    public async Task Responses_CarryTheSecurityHeaders(string route)
    {
        using var host = new ApiHost();
        using var client = host.Client();

        using var response = await client.GetAsync(new Uri(route, UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var csp = string.Join(';', response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("default-src 'self'", csp, StringComparison.Ordinal);
        Assert.Contains("script-src 'self'", csp, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
    }

    [Fact]
    public async Task Restart_MarksRunsLeftUnfinished_AsFailed_AndKeepsTheDatabaseInWalMode()
    {
        var first = new ApiHost();
        var leftover = Path.Combine(first.Folder, "uploads", "0123", "model.onnx");
        Directory.CreateDirectory(Path.GetDirectoryName(leftover)!);
        await File.WriteAllTextAsync(leftover, "an upload whose job a stopped process never ran");
        var id = Guid.NewGuid();
        await using (var db = await first.Services.GetRequiredService<IDbContextFactory<PlannerDb>>().CreateDbContextAsync())
        {
            db.Runs.Add(new RunRecord { Id = id, Kind = "simulate", Status = "Running", ResultJson = "{\"half\":", CreatedAt = DateTimeOffset.UtcNow });
            await db.SaveChangesAsync();
        }

        first.Dispose(keepFolder: true);
        using var second = new ApiHost(folder: first.Folder);
        using var client = second.Client();
        using var status = JsonDocument.Parse(await client.GetStringAsync(new Uri($"/api/jobs/{id}", UriKind.Relative)));

        Assert.Equal("Failed", status.RootElement.GetProperty("state").GetString());
        Assert.Equal("the server stopped before this run finished", status.RootElement.GetProperty("error").GetString());
        Assert.False(File.Exists(leftover)); // its upload is cleared too
        Assert.False(status.RootElement.TryGetProperty("result", out _));
        await using var check = await second.Services.GetRequiredService<IDbContextFactory<PlannerDb>>().CreateDbContextAsync();
        await check.Database.OpenConnectionAsync();
        await using var command = check.Database.GetDbConnection().CreateCommand();
        command.CommandText = "PRAGMA journal_mode;";
        Assert.Equal("wal", (string?)await command.ExecuteScalarAsync());
    }
}
