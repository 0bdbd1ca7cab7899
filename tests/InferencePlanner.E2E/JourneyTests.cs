using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using InferencePlanner.Core.Catalog;
using InferencePlanner.Core.Scenarios;
using InferencePlanner.Planning.Forecasting;
using Microsoft.Playwright;

namespace InferencePlanner.E2E;

/// <summary>
/// The questions the product is for, asked as its users would, end to end in the browser, each answer checked by hand
/// from the catalog, and no unknown shown as a number.
/// </summary>
public sealed class JourneyTests(AppServer app) : IClassFixture<AppServer>
{
    /// <summary>Llama 3 70B (fp8) chat at 50 requests/s: p99 TTFT ≤ 2 s, p99 TPOT ≤ 60 ms.</summary>
    private static Scenario Llama70B(string name, string device, string region, int tensorParallel) => new()
    {
        Name = name,
        Seed = 4,
        Horizon = new Horizon { Queries = 4_000, WarmupQueries = 400 },
        Workload = new Workload
        {
            Arrivals = new ArrivalSpec { Kind = "poisson", RatePerSecond = 50 },
            Tokens = new TokensSpec
            {
                Input = new TokenDistributionSpec { Distribution = "lognormal", Mean = 1155, Scv = 0.8, Max = 14_000 },
                Output = new TokenDistributionSpec { Distribution = "lognormal", Mean = 211, Scv = 0.6, Max = 1_000 },
            },
        },
        Pools = [new PoolSpec { Name = "replicas", Device = device, Region = region, Count = 1, Llm = new LlmSpec { Model = "llama-3-70b", Precision = "fp8", TensorParallel = tensorParallel } }],
        Slo = new SloSpec { TtftMs = 2000, TpotMs = 60, Percentile = 99 },
    };

    [Fact]
    public async Task Llama3_70B_At50RequestsPerSecond_OnH100H200AndMi300x_WhichIsCheapest()
    {
        // The fewest replicas of each that meet the SLO (the product's sizing), plus one spare, saved as three scenarios.
        var forecaster = new Forecaster(CatalogLoader.Load());
        var candidates = new (string Name, string Device, string Region, int Tp, double? UsdPerGpuHour)[]
        {
            ("Llama 3 70B on H100 pairs", "nvidia-h100-sxm", "aws-us-east-1", 2, 55.04 / 8),  // p5.48xlarge after the June 2025 cut
            ("Llama 3 70B on H200", "nvidia-h200", "aws-us-east-1", 1, 63.296 / 8),          // p5en.48xlarge
            ("Llama 3 70B on MI300X", "amd-mi300x", "azure-eastus", 1, null),                 // no price in any source
        };
        using var http = new HttpClient { BaseAddress = app.BaseAddress };
        var replicas = new List<int>();
        foreach (var c in candidates)
        {
            var scenario = Llama70B(c.Name, c.Device, c.Region, c.Tp);
            var sized = forecaster.Size(scenario, options: new ForecastOptions { SizingQueries = 4_000 }).Month.Pools[0].Count + 1;
            replicas.Add(sized);
            var saved = scenario with { Pools = [scenario.Pools![0] with { Count = sized }] };
            using var created = await http.PostAsync(new Uri("api/scenarios", UriKind.Relative), new StringContent(ScenarioJson.Write(saved), System.Text.Encoding.UTF8, "application/json"));
            Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
        }

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await Chromium.LaunchAsync(playwright);
        var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1440, Height = 1000 } });
        await page.GotoAsync(new Uri(app.BaseAddress, "compare").ToString(), new() { WaitUntil = WaitUntilState.NetworkIdle });
        await page.Locator("[data-interactive=true]").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        foreach (var c in candidates)
        {
            await page.GetByLabel(c.Name, new() { Exact = true }).CheckAsync();
        }

        await page.Locator("[data-testid=run]").ClickAsync();
        var table = page.Locator("[data-testid=comparison]");
        await Assertions.Expect(table).ToBeVisibleAsync(new() { Timeout = 240_000 });

        // By hand: replicas × GPUs per replica × the catalog's USD per GPU-hour × 730.5 h; every fleet meets its SLO.
        var slo = table.Locator("tr", new() { HasText = "SLO" }).Locator("td");
        var cost = table.Locator("tr", new() { HasText = "cost (USD / month)" }).Locator("td");
        var costs = new List<double>();
        for (var i = 0; i < candidates.Length; i++)
        {
            await Assertions.Expect(slo.Nth(i + 1)).ToHaveTextAsync("met");
            if (candidates[i].UsdPerGpuHour is { } price)
            {
                var monthly = replicas[i] * candidates[i].Tp * price * 730.5;
                costs.Add(monthly);
                await Assertions.Expect(cost.Nth(i + 1)).ToContainTextAsync(monthly.ToString("N0", CultureInfo.InvariantCulture));
            }
            else
            {
                await Assertions.Expect(cost.Nth(i + 1)).ToHaveTextAsync("unknown");
            }
        }

        // The verdict names the cheapest of the priced fleets and leaves the unpriced one out, saying why.
        var cheapest = costs[0] <= costs[1] ? candidates[0].Name : candidates[1].Name;
        var verdict = page.Locator("[data-testid=compare-cheapest]");
        await Assertions.Expect(verdict).ToContainTextAsync($"cheapest that meets its SLO: {cheapest}, {costs.Min().ToString("N0", CultureInfo.InvariantCulture)} USD/month");
        await Assertions.Expect(verdict).ToContainTextAsync("not ranked: Llama 3 70B on MI300X (cost unknown)");
        var text = await table.InnerTextAsync();
        Assert.DoesNotContain("NaN", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Infinity", text, StringComparison.Ordinal);
        await page.ScreenshotAsync(new() { Path = Chromium.Artifact("journey-llama-70b.png"), FullPage = true });
    }
}
