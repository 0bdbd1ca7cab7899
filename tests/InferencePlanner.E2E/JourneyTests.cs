using System.Globalization;
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
            await SaveAsync(http, scenario with { Pools = [scenario.Pools![0] with { Count = sized }] });
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

    /// <summary>A request/response service (an image model at 40 ms a query) on H100s in Azure East US, 100 queries/s, p99 ≤ 300 ms.</summary>
    private static Scenario Finance(string name, double growthPercent, string pricing) => new()
    {
        Name = name,
        Seed = 11,
        Horizon = new Horizon { Queries = 20_000, WarmupQueries = 2_000 },
        Workload = new Workload { Arrivals = new ArrivalSpec { Kind = "poisson", RatePerSecond = 100 } },
        Pools = [new PoolSpec { Name = "h100", Device = "nvidia-h100-sxm", Region = "azure-eastus", Count = 1, Service = new ServiceSpec { Distribution = "exponential", MeanMs = 40 } }],
        Slo = new SloSpec { LatencyMs = 300, Percentile = 99 },
        Growth = new GrowthSpec { Months = 24, MonthlyGrowthPercent = growthPercent, MonthlyGrowthSdPercent = 2 },
        Economics = new EconomicsSpec { Pricing = pricing },
    };

    private static async Task<int> SaveAsync(HttpClient http, Scenario scenario)
    {
        using var created = await http.PostAsync(new Uri("api/scenarios", UriKind.Relative), new StringContent(ScenarioJson.Write(scenario), System.Text.Encoding.UTF8, "application/json"));
        var body = await created.Content.ReadAsStringAsync();
        Assert.True(created.IsSuccessStatusCode, body);
        return JsonNode.Parse(body)!["id"]!.GetValue<int>();
    }

    /// <summary>The figure a cell starts with ("202 (+54)" → 202; "1,234 USD" → 1234).</summary>
    private static double Number(string text) =>
        double.Parse(System.Text.RegularExpressions.Regex.Match(text.Trim(), @"^-?[\d,]+(\.\d+)?").Value.Replace(",", string.Empty, StringComparison.Ordinal), CultureInfo.InvariantCulture);

    [Fact]
    public async Task TwentyFourMonths_At5_10_20PercentGrowth_OnDemandAndReserved_WithBands_ToXlsx()
    {
        // Azure lists the H100 (ND96isr H100 v5) at 12.29 USD/GPU-h pay-as-you-go and 7.8656 with a 1-year reservation.
        var prices = new Dictionary<string, double> { ["on-demand"] = 98.32 / 8, ["reserved-1y"] = 62.9248 / 8 };
        using var http = new HttpClient { BaseAddress = app.BaseAddress };
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await Chromium.LaunchAsync(playwright);
        var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1440, Height = 1000 }, AcceptDownloads = true });

        foreach (var growth in new[] { 5.0, 10.0, 20.0 })
        {
            foreach (var pricing in prices.Keys)
            {
                var id = await SaveAsync(http, Finance($"H100s in Azure, +{growth} %/month, {pricing}", growth, pricing));
                await page.GotoAsync(new Uri(app.BaseAddress, $"forecast?scenario={id}").ToString(), new() { WaitUntil = WaitUntilState.NetworkIdle });
                await page.Locator("[data-interactive=true]").WaitForAsync(new() { State = WaitForSelectorState.Attached });
                await page.Locator("[data-testid=run]").ClickAsync();
                var rows = page.Locator("[data-testid=months] tbody tr");
                await Assertions.Expect(rows).ToHaveCountAsync(24, new() { Timeout = 120_000 });

                // By hand: the peak grows by (1 + g)^month; a month costs servers × the price × 730.5 h.
                foreach (var month in new[] { 0, 23 })
                {
                    var cells = rows.Nth(month).Locator("td");
                    await Assertions.Expect(cells.Nth(1)).ToHaveTextAsync((100 * Math.Pow(1 + (growth / 100), month)).ToString("N1", CultureInfo.InvariantCulture));
                    var servers = int.Parse(await cells.Nth(2).InnerTextAsync(), CultureInfo.InvariantCulture);
                    await Assertions.Expect(cells.Nth(5)).ToHaveTextAsync((servers * prices[pricing] * 730.5).ToString("N0", CultureInfo.InvariantCulture));
                }

                // The bands of the horizon beside its total; where its energy is counted, beside the table.
                await Assertions.Expect(page.Locator("[data-testid=total-cost]")).ToContainTextAsync("P10–P90 ");
                await Assertions.Expect(page.Locator("[data-testid=energy-assumption]").First).ToContainTextAsync("energy boundary: the facility");
                if (growth != 10.0 || pricing != "reserved-1y")
                {
                    continue;
                }

                // To the finance team: the workbook carries the bands, the reserved price and its source.
                var download = await page.RunAndWaitForDownloadAsync(() => page.Locator("[data-testid=download-xlsx]").ClickAsync());
                var file = Path.Combine(Path.GetTempPath(), $"journey-{Guid.NewGuid():N}.xlsx");
                await download.SaveAsAsync(file);
                try
                {
                    var months = MiniExcelLibs.MiniExcel.Query(file, useHeaderRow: true, sheetName: "Months").Cast<IDictionary<string, object>>().ToList();
                    var totals = MiniExcelLibs.MiniExcel.Query(file, useHeaderRow: true, sheetName: "Totals").Cast<IDictionary<string, object>>().Single();
                    var assumptions = MiniExcelLibs.MiniExcel.Query(file, useHeaderRow: true, sheetName: "Assumptions").Cast<IDictionary<string, object>>().ToList();
                    Assert.Equal(24, months.Count);
                    Assert.All(months, m => Assert.True(Convert.ToDouble(m["Cost P10 (USD)"], CultureInfo.InvariantCulture) <= Convert.ToDouble(m["Cost P90 (USD)"], CultureInfo.InvariantCulture)));
                    var total = Convert.ToDouble(totals["Cost (USD)"], CultureInfo.InvariantCulture);
                    Assert.Equal(Number(await page.Locator("[data-testid=total-cost-value]").InnerTextAsync()), Math.Round(total), 0);
                    Assert.Equal(months.Sum(m => Convert.ToDouble(m["Cost P90 (USD)"], CultureInfo.InvariantCulture)), Convert.ToDouble(totals["Cost P90 (USD)"], CultureInfo.InvariantCulture), 6);
                    Assert.Contains(assumptions, a => (string)a["Kind"] == "price" && ((string)a["Assumption or source"]).Contains("7.8656 USD per device-hour", StringComparison.Ordinal)
                        && ((string)a["Assumption or source"]).Contains("; source: ", StringComparison.Ordinal));
                }
                finally
                {
                    File.Delete(file);
                }
            }
        }

        await page.ScreenshotAsync(new() { Path = Chromium.Artifact("journey-finance.png"), FullPage = true });
    }

    /// <summary>Four L4s serving an image model (20 ms a query) at 120 queries/s in <paramref name="region"/>; optionally 30 % ranked on phones.</summary>
    private static Scenario Sustainability(string name, string region, bool phones) => new()
    {
        Name = name,
        Seed = 5,
        Horizon = new Horizon { Queries = 50_000, WarmupQueries = 5_000 },
        Workload = new Workload { Arrivals = new ArrivalSpec { Kind = "poisson", RatePerSecond = 120 } },
        Pools = phones
            ? [new PoolSpec { Name = "l4", Device = "nvidia-l4", Region = region, Count = 4, Service = new ServiceSpec { Distribution = "exponential", MeanMs = 20 } },
               new PoolSpec { Name = "phones", Device = "nvidia-jetson-orin-nano", Edge = true, Region = "grid-NL", Count = 200, Service = new ServiceSpec { Distribution = "exponential", MeanMs = 60 } }]
            : [new PoolSpec { Name = "l4", Device = "nvidia-l4", Region = region, Count = 4, Service = new ServiceSpec { Distribution = "exponential", MeanMs = 20 } }],
        Routing = phones ? new RoutingSpec { Offload = new OffloadSpec { Pool = "phones", Share = 0.3, NetworkRttMs = 30 } } : null,
        Slo = new SloSpec { LatencyMs = 500, Percentile = 99 },
    };

    [Fact]
    public async Task SameFleet_InThreeRegions_Pue1Point1Against1Point5_And30PercentOnPhones()
    {
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await Chromium.LaunchAsync(playwright);
        var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1440, Height = 1000 } });

        // The sustainability officer enters the PUEs of the two colocation contracts: 1.1 and 1.5.
        await page.GotoAsync(new Uri(app.BaseAddress, "catalog?tab=regions").ToString(), new() { WaitUntil = WaitUntilState.NetworkIdle });
        await page.Locator("[data-interactive=true]").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        foreach (var (region, pue) in new[] { ("gcp-europe-west1", "1.1"), ("gcp-europe-west4", "1.5") })
        {
            await page.Locator($"[data-testid=edit-region-{region}]").ClickAsync();
            var editor = page.Locator("[data-testid=catalog-editor]");
            await editor.Locator("[data-testid=edit-pue] input, input[data-testid=edit-pue]").FillAsync(pue);
            await editor.Locator("[data-testid=edit-citation] input, input[data-testid=edit-citation]").FillAsync($"colocation contract, PUE {pue}");
            await editor.Locator("[data-testid=edit-save]").ClickAsync();
            await Assertions.Expect(editor).ToHaveCountAsync(0);
        }

        var catalog = CatalogLoader.Load();
        double Grid(string region) => catalog.TryGetRegion(region, out var r) ? r.GridGramsCo2PerKwh.Effective!.Value : throw new InvalidOperationException(region);
        using var http = new HttpClient { BaseAddress = app.BaseAddress };
        var names = new[] { "L4s in Belgium (PUE 1.1)", "L4s in the Netherlands (PUE 1.5)", "L4s in Iowa", "L4s in the Netherlands, 30 % on phones" };
        await SaveAsync(http, Sustainability(names[0], "gcp-europe-west1", phones: false));
        await SaveAsync(http, Sustainability(names[1], "gcp-europe-west4", phones: false));
        await SaveAsync(http, Sustainability(names[2], "gcp-us-central1", phones: false));
        await SaveAsync(http, Sustainability(names[3], "gcp-europe-west4", phones: true));

        await page.GotoAsync(new Uri(app.BaseAddress, "compare").ToString(), new() { WaitUntil = WaitUntilState.NetworkIdle });
        await page.Locator("[data-interactive=true]").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        foreach (var name in names)
        {
            await page.GetByLabel(name, new() { Exact = true }).CheckAsync();
        }

        await page.Locator("[data-testid=run]").ClickAsync();
        var table = page.Locator("[data-testid=comparison]");
        await Assertions.Expect(table).ToBeVisibleAsync(new() { Timeout = 120_000 });
        async Task<double[]> RowAsync(string label)
        {
            var cells = table.Locator("tr", new() { HasText = label }).Locator("td");
            return [.. (await cells.AllInnerTextsAsync()).Skip(1).Select(Number)];
        }

        var energy = await RowAsync("energy (kWh / month)");
        var carbon = await RowAsync("carbon (kg CO2e / month)");

        // By hand: the same fleet at the same load draws the same power; the facility multiplies it by its PUE. The
        // page shows whole kWh and tenths of a kg: each comparison allows for that rounding and nothing more.
        var ratio = energy[1] / energy[0];
        Assert.InRange(ratio, (1.5 / 1.1) - (ratio * ((0.5 / energy[0]) + (0.5 / energy[1]))), (1.5 / 1.1) + (ratio * ((0.5 / energy[0]) + (0.5 / energy[1]))));
        // Operational carbon = energy × the grid's intensity; the embodied share is the same for the same four L4s.
        var belgium = Grid("gcp-europe-west1");
        var embodied = carbon[0] - (energy[0] * belgium / 1000);
        foreach (var (i, region) in new[] { (1, "gcp-europe-west4"), (2, "gcp-us-central1") })
        {
            var slack = 0.05 + 0.05 + (0.5 * (belgium + Grid(region)) / 1000);
            Assert.InRange(carbon[i], embodied + (energy[i] * Grid(region) / 1000) - slack, embodied + (energy[i] * Grid(region) / 1000) + slack);
        }

        Assert.True(embodied > 0);
        // With 30 % on phones the datacenter draws less, but the phones' energy counts (at the Dutch grid) and is said.
        await Assertions.Expect(page.Locator("[data-testid=compare-note]", new() { HasText = names[3] })).ToContainTextAsync("drawn by the users' devices");
        Assert.True(carbon[3] > 0);
        // No L4 price is listed for Belgium: its cost says unknown, never a number; energy and carbon are all known.
        await Assertions.Expect(table.Locator("tr", new() { HasText = "cost (USD / month)" }).Locator("td").Nth(1)).ToHaveTextAsync("unknown");
        var text = await table.InnerTextAsync();
        Assert.DoesNotContain("NaN", text, StringComparison.Ordinal);
        Assert.All(await table.Locator("tr", new() { HasText = "kWh" }).Or(table.Locator("tr", new() { HasText = "kg CO2e" })).AllInnerTextsAsync(),
            row => Assert.DoesNotContain("unknown", row, StringComparison.Ordinal));
        await page.ScreenshotAsync(new() { Path = Chromium.Artifact("journey-sustainability.png"), FullPage = true });
    }
}
