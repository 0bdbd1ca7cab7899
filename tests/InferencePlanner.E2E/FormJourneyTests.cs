using System.Globalization;
using System.Text.RegularExpressions;
using InferencePlanner.Core.Catalog;
using InferencePlanner.Planning.Economics;
using Microsoft.Playwright;

namespace InferencePlanner.E2E;

/// <summary>
/// The three people's questions answered with the form and the desks alone — no JSON, no API, no catalog edit — each
/// answer checked by hand from the catalog: the infra lead's cheapest accelerator for a Llama 3 70B chatbot, the finance
/// analyst's 24 months at 5, 10 and 20 % growth with bands, the sustainability officer's regions, PUEs and phones.
/// </summary>
public sealed partial class FormJourneyTests(AppServer app) : IClassFixture<AppServer>
{
    private static readonly DeviceCatalog Catalog = CatalogLoader.Load();

    private async Task<IPage> OpenAsync(IBrowser browser, string path)
    {
        var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1440, Height = 1100 }, AcceptDownloads = true });
        await GoAsync(page, path);
        return page;
    }

    private async Task GoAsync(IPage page, string path)
    {
        await page.GotoAsync(new Uri(app.BaseAddress, path).ToString(), new() { WaitUntil = WaitUntilState.NetworkIdle });
        await page.Locator("[data-interactive=true]").WaitForAsync(new() { State = WaitForSelectorState.Attached });
    }

    /// <summary>A demo's id, from the overview's list.</summary>
    private async Task<string> DemoAsync(IPage page, string name)
    {
        await GoAsync(page, string.Empty);
        var href = await page.Locator("[data-testid=scenario-list] tr", new() { HasText = name }).GetByRole(AriaRole.Link, new() { Name = "Simulate" }).GetAttributeAsync("href");
        return href!.Split('=')[1];
    }

    private static ILocator Field(IPage page, string testId) => page.Locator($"input[data-testid={testId}], [data-testid={testId}] input").First;

    /// <summary>The scenario's JSON beside the form (on the plan page).</summary>
    private static ILocator Document(IPage page) => page.Locator("[data-testid=json] textarea, textarea[data-testid=json]").First;

    /// <summary>
    /// Waits until the edit made by <paramref name="edit"/> is in the scenario's document, as a person sees the form
    /// follow before making the next change (each edit is a new draft built from the one on screen).
    /// </summary>
    private static async Task LandedAsync(IPage page, Func<Task> edit)
    {
        var before = await Document(page).InputValueAsync();
        await edit();
        try
        {
            await Assertions.Expect(Document(page)).Not.ToHaveValueAsync(before, new() { Timeout = 15_000 });
        }
        catch (PlaywrightException)
        {
            await page.ScreenshotAsync(new() { Path = Chromium.Artifact("form-journey-edit-not-landed.png"), FullPage = true });
            throw;
        }
    }

    /// <summary>Types into a field and leaves it, as a person does: the form takes the value on the change.</summary>
    private static Task FillAsync(IPage page, string testId, string value) => LandedAsync(page, async () =>
    {
        var field = Field(page, testId);
        await field.FillAsync(value);
        await field.PressAsync("Tab");
    });

    /// <summary>Opens a select and picks the option showing exactly <paramref name="option"/>.</summary>
    private static Task ChooseAsync(IPage page, string testId, string option) => LandedAsync(page, async () =>
    {
        await page.Locator($".mud-select:has([data-testid={testId}])").First.ClickAsync();
        var item = page.Locator(".mud-popover-open .mud-list-item").Filter(new() { HasTextRegex = new Regex($"^\\s*{Regex.Escape(option)}\\s*$") });
        await item.First.ClickAsync();
        await Assertions.Expect(page.Locator(".mud-popover-open .mud-list-item")).ToHaveCountAsync(0);
    });

    private static Task ClickEditAsync(IPage page, string testId) => LandedAsync(page, () => page.Locator($"[data-testid={testId}]").ClickAsync());

    /// <summary>Saves the draft under <paramref name="name"/> as a new scenario and returns its id (the page moves to it).</summary>
    private static async Task<string> SaveAsNewAsync(IPage page, string name)
    {
        await FillAsync(page, "scenario-name", name);
        var errors = page.Locator("[data-testid=plan-error]");
        await page.WaitForTimeoutAsync(0);
        Assert.True(await errors.CountAsync() == 0, $"the draft has problems: {string.Join("; ", await errors.AllInnerTextsAsync())}");
        await page.Locator("[data-testid=save-as-new]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=plan-message]")).ToContainTextAsync($"Saved as a new scenario, '{name}'");
        await page.WaitForURLAsync(new Regex("scenario=\\d+"));
        return Regex.Match(page.Url, "scenario=(\\d+)").Groups[1].Value;
    }

    /// <summary>Opens a scenario's desk and prepares it: the sentence on top once done.</summary>
    private async Task<string> DeskAsync(IPage page, string id, string view)
    {
        await GoAsync(page, $"desk?scenario={id}&view={view}");
        await page.Locator("[data-testid=run]").ClickAsync();
        var summary = page.Locator("[data-testid=summary]");
        var message = page.Locator("[data-testid=message]");
        await Assertions.Expect(summary.Or(message).First).ToBeVisibleAsync(new() { Timeout = 300_000 });
        Assert.True(await message.CountAsync() == 0, $"the desk of scenario {id} says: {string.Join(" ", await message.AllInnerTextsAsync())}");
        return (await summary.InnerTextAsync()).Trim();
    }

    /// <summary>"12 nvidia-h100-sxm (TP2) in gcp-us-central1 serve 50 requests/s within the SLO for 123,456 USD/month and 1.23 t CO2e (month 0)."</summary>
    [GeneratedRegex(@"^(?<devices>[\d,]+) (?<device>\S+)(?: \(TP(?<tp>\d)\))? in (?<region>\S+) serve (?<rate>[\d,.]+) (?:requests|queries)/s (?<verdict>within|missing) the SLO for (?<cost>[\d,]+ USD/month|an unknown cost \(a price is missing\))")]
    private static partial Regex Sentence();

    private static double Number(string text) =>
        double.Parse(Regex.Match(text.Trim(), @"^-?[\d,]+(\.\d+)?").Value.Replace(",", string.Empty, StringComparison.Ordinal), CultureInfo.InvariantCulture);

    [Fact]
    public async Task Infra_TheCheapestOfH100H200AndMi300x_ForALlama3_70BChatbot_FromTheFormAlone()
    {
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await Chromium.LaunchAsync(playwright);
        var page = await OpenAsync(browser, string.Empty);
        var demo = await DemoAsync(page, "LLM chatbot on H100");

        // The demo chatbot (fp8), turned into Llama 3 70B at 50 requests/s with p99 TTFT ≤ 2 s and TPOT ≤ 60 ms; the
        // tensor-parallel degree left open, so that sizing tries 1, 2, 4 and 8 on each device.
        await GoAsync(page, $"plan?scenario={demo}");
        await Assertions.Expect(page.Locator("[data-testid=llm-precision-h100]").First).ToHaveValueAsync("fp8");
        await ChooseAsync(page, "llm-model-h100", "llama-3-70b");
        await FillAsync(page, "rate", "50");
        await FillAsync(page, "slo-ttft", "2000");
        await FillAsync(page, "slo-tpot", "60");
        var ids = new List<(string Device, string Id)> { ("nvidia-h100-sxm", await SaveAsNewAsync(page, "Llama 3 70B chat on H100")) };
        foreach (var (device, label) in new[] { ("nvidia-h200", "H200"), ("amd-mi300x", "MI300X") })
        {
            await ChooseAsync(page, "device-h100", device);
            ids.Add((device, await SaveAsNewAsync(page, $"Llama 3 70B chat on {label}")));
        }

        // Each desk's sentence: devices, the load, the verdict and the cost; by hand, devices × the catalog's on-demand
        // price in gcp-us-central1 × 730.5 h. MI300X has no price anywhere: unknown, never a number, never the cheapest.
        var pricer = new FleetPricer(Catalog);
        var costs = new Dictionary<string, double>();
        foreach (var (device, id) in ids)
        {
            var sentence = Sentence().Match(await DeskAsync(page, id, "finance"));
            Assert.True(sentence.Success, $"{device}: {await page.Locator("[data-testid=summary]").InnerTextAsync()}");
            Assert.Equal(device, sentence.Groups["device"].Value);
            Assert.Equal("gcp-us-central1", sentence.Groups["region"].Value);
            Assert.Equal("50", sentence.Groups["rate"].Value);
            Assert.Equal("within", sentence.Groups["verdict"].Value);
            var devices = Number(sentence.Groups["devices"].Value);
            if (pricer.ListedPrice(device, "gcp-us-central1", "on-demand")?.UsdPerAcceleratorHour.Effective is { } price)
            {
                var monthly = devices * price * 730.5;
                Assert.Equal(monthly.ToString("N0", CultureInfo.InvariantCulture) + " USD/month", sentence.Groups["cost"].Value);
                costs[device] = monthly;
            }
            else
            {
                Assert.StartsWith("an unknown cost", sentence.Groups["cost"].Value, StringComparison.Ordinal);
                await Assertions.Expect(page.Locator("[data-testid=finance-pricings] tbody tr").First).ToContainTextAsync("unknown");
            }

            // The infra desk: the tensor-parallel degrees tried, the chosen one the fewest devices.
            await page.Locator("[data-testid=view-infra]").ClickAsync();
            await Assertions.Expect(page.Locator("[data-testid=desk-infra]")).ToBeVisibleAsync();
            await Assertions.Expect(page.Locator("[data-testid=desk-infra]")).ToContainTextAsync("tensor parallelism tried in month 0");
            await Assertions.Expect(page.Locator("[data-testid=bound-h100]")).ToContainTextAsync("-bound");
            if (device == "nvidia-h100-sxm")
            {
                await page.ScreenshotAsync(new() { Path = Chromium.Artifact("desk-infra.png"), FullPage = true });
            }
        }

        Assert.Equal(2, costs.Count);
        Assert.DoesNotContain("amd-mi300x", costs.Keys);
        Assert.True(costs.Values.All(c => c > 0));
    }

    /// <summary>
    /// The M/M/4 demo turned in the form into one pool of <paramref name="device"/> in <paramref name="region"/> at
    /// <paramref name="serviceMs"/> a query and <paramref name="rate"/> queries/s, p99 ≤ <paramref name="sloMs"/> ms; the
    /// plan page stays open on the draft. Returns the pool's name.
    /// </summary>
    private async Task<string> RequestResponseDraftAsync(IPage page, string device, string region, int serviceMs, int rate, int sloMs)
    {
        var demo = await DemoAsync(page, "M/M/4 at 80 % load");
        await GoAsync(page, $"plan?scenario={demo}");
        var pool = (await page.Locator("[data-testid^=device-]").First.GetAttributeAsync("data-testid"))!["device-".Length..];
        await ChooseAsync(page, $"device-{pool}", device);
        await ChooseAsync(page, $"region-{pool}", RegionLabel(device, region, "on-demand"));
        await FillAsync(page, $"service-{pool}", serviceMs.ToString(CultureInfo.InvariantCulture));
        await FillAsync(page, "rate", rate.ToString(CultureInfo.InvariantCulture));
        await FillAsync(page, "slo-latency", sloMs.ToString(CultureInfo.InvariantCulture));
        await FillAsync(page, "slo-percentile", "99");
        return pool;
    }

    [Fact]
    public async Task Finance_24Months_At5_10And20PercentGrowth_WithBands_ToXlsx_FromTheFormAlone()
    {
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await Chromium.LaunchAsync(playwright);
        var page = await OpenAsync(browser, string.Empty);

        // An image model at 40 ms a query on H100s in Azure East US at 100 queries/s, p99 ≤ 300 ms, growing for 24 months
        // with ±2 points of uncertainty a month.
        await RequestResponseDraftAsync(page, "nvidia-h100-sxm", "azure-eastus", serviceMs: 40, rate: 100, sloMs: 300);
        await ClickEditAsync(page, "add-growth");
        await FillAsync(page, "growth-months", "24");
        await FillAsync(page, "growth-sd", "2");

        var onDemand = Catalog.PricesFor("nvidia-h100-sxm").First(p => p.Region == "azure-eastus" && p.Pricing == PricingModel.OnDemand).UsdPerAcceleratorHour.Effective!.Value;
        var saved = new List<(double Growth, string Id)>();
        foreach (var growth in new[] { 5.0, 10.0, 20.0 })
        {
            if (await Field(page, "growth-percent").InputValueAsync() != growth.ToString(CultureInfo.InvariantCulture))
            {
                await FillAsync(page, "growth-percent", growth.ToString(CultureInfo.InvariantCulture));
            }

            saved.Add((growth, await SaveAsNewAsync(page, $"Image model on Azure H100s, +{growth} %/month")));
        }

        foreach (var (growth, id) in saved)
        {
            await GoAsync(page, $"forecast?scenario={id}");
            await page.Locator("[data-testid=run]").ClickAsync();
            var rows = page.Locator("[data-testid=months] tbody tr");
            await Assertions.Expect(rows).ToHaveCountAsync(24, new() { Timeout = 180_000 });
            // By hand: the peak grows by (1 + g)^month; a month costs servers × the price × 730.5 h.
            foreach (var month in new[] { 0, 23 })
            {
                var cells = rows.Nth(month).Locator("td");
                await Assertions.Expect(cells.Nth(1)).ToHaveTextAsync((100 * Math.Pow(1 + (growth / 100), month)).ToString("N1", CultureInfo.InvariantCulture));
                var servers = int.Parse(await cells.Nth(2).InnerTextAsync(), CultureInfo.InvariantCulture);
                await Assertions.Expect(cells.Nth(5)).ToHaveTextAsync((servers * onDemand * 730.5).ToString("N0", CultureInfo.InvariantCulture));
            }

            await Assertions.Expect(page.Locator("[data-testid=total-cost]")).ToContainTextAsync("P10–P90 ");
            if (growth == 10.0)
            {
                var download = await page.RunAndWaitForDownloadAsync(() => page.Locator("[data-testid=download-xlsx]").ClickAsync());
                var file = Path.Combine(Path.GetTempPath(), $"form-journey-{Guid.NewGuid():N}.xlsx");
                await download.SaveAsAsync(file);
                try
                {
                    var months = MiniExcelLibs.MiniExcel.Query(file, useHeaderRow: true, sheetName: "Months").Cast<IDictionary<string, object>>().ToList();
                    Assert.Equal(24, months.Count);
                    Assert.All(months, m => Assert.True(Convert.ToDouble(m["Cost P10 (USD)"], CultureInfo.InvariantCulture) <= Convert.ToDouble(m["Cost P90 (USD)"], CultureInfo.InvariantCulture)));
                }
                finally
                {
                    File.Delete(file);
                }

                // The finance desk: the same fleet at every pricing, each by hand from the catalog (or unknown).
                await DeskAsync(page, id, "finance");
                var pricings = page.Locator("[data-testid=finance-pricings] tbody tr");
                var first = await page.Locator("[data-testid=finance-months] tbody tr").First.Locator("td").Nth(2).InnerTextAsync();
                var devices = Number(first);
                foreach (var (pricing, row) in Pricings.ForScenarios.Select((p, i) => (p, i)))
                {
                    var price = new FleetPricer(Catalog).ListedPrice("nvidia-h100-sxm", "azure-eastus", pricing)?.UsdPerAcceleratorHour.Effective;
                    await Assertions.Expect(pricings.Nth(row).Locator("td").Nth(1)).ToHaveTextAsync(price is { } usd ? (devices * usd * 730.5).ToString("N0", CultureInfo.InvariantCulture) + " USD" : "unknown");
                }

                await page.ScreenshotAsync(new() { Path = Chromium.Artifact("desk-finance.png"), FullPage = true });
            }
        }
    }

    /// <summary>How the region picker labels a region that prices the device (see <c>PoolsEditor.RegionChoices</c>).</summary>
    private static string RegionLabel(string device, string region, string pricing) =>
        FormattableString.Invariant($"{region} · {new FleetPricer(Catalog).ListedPrice(device, region, pricing)!.UsdPerAcceleratorHour.Effective:0.###} USD/device-h {pricing}");

    [Fact]
    public async Task Sustainability_RegionsAndPues_SideBySide_With30PercentOnPhones_FromTheFormAlone()
    {
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await Chromium.LaunchAsync(playwright);
        var page = await OpenAsync(browser, string.Empty);

        // L4s (20 ms a query) at 120 queries/s in the Netherlands, p99 ≤ 500 ms, 30 % ranked on the users' phones in the
        // Netherlands; the facility's PUE as two colocation contracts would have it: 1.1, then 1.5.
        await RequestResponseDraftAsync(page, "nvidia-l4", "gcp-europe-west4", serviceMs: 20, rate: 120, sloMs: 500);
        await ClickEditAsync(page, "add-offload");
        await Assertions.Expect(Field(page, "offload-share")).ToHaveValueAsync("30");
        await ChooseAsync(page, "offload-grid", "grid-NL");
        var energy = new Dictionary<string, double>();
        var carbon = new Dictionary<string, IReadOnlyList<(string Region, double Kg)>>();
        foreach (var pue in new[] { "1.1", "1.5" })
        {
            await FillAsync(page, "whatif-pue", pue);
            var id = await SaveAsNewAsync(page, $"L4s in the Netherlands, 30 % on phones, PUE {pue}");

            var sentence = await DeskAsync(page, id, "sustainability");
            Assert.Contains("on users' devices", sentence, StringComparison.Ordinal);
            energy[pue] = Number(await page.Locator("[data-testid=sustain-energy-value]").InnerTextAsync());
            await Assertions.Expect(page.Locator("[data-testid=sustain-energy-detail]")).ToContainTextAsync("kWh on users' devices");
            await Assertions.Expect(page.Locator("[data-testid=sustain-assumption]").First).ToContainTextAsync("energy boundary");
            var rows = page.Locator("[data-testid=sustain-regions] tbody tr");
            var list = new List<(string, double)>();
            for (var i = 0; i < await rows.CountAsync(); i++)
            {
                var cells = await rows.Nth(i).Locator("td").AllInnerTextsAsync();
                list.Add((cells[0].Split(' ')[0], Number(cells[2])));
            }

            carbon[pue] = list;
            if (pue == "1.5")
            {
                await page.ScreenshotAsync(new() { Path = Chromium.Artifact("desk-sustainability.png"), FullPage = true });
            }

            await GoAsync(page, $"plan?scenario={id}");
        }

        // By hand: the same servers at the same load draw the same power; the facility multiplies it by its PUE. The desk
        // shows whole kWh: the ratio allows for that rounding and nothing more.
        var ratio = energy["1.5"] / energy["1.1"];
        var slack = ratio * ((0.5 / energy["1.1"]) + (0.5 / energy["1.5"]));
        Assert.InRange(ratio, (1.5 / 1.1) - slack, (1.5 / 1.1) + slack);

        // Three or more regions side by side: moving the L4s changes only their operational carbon, by their energy ×
        // the difference of the grids (the phones stay on the Dutch grid, the embodied share stays); kg to one decimal,
        // kWh whole: the bounds allow for that rounding and nothing more.
        foreach (var pue in new[] { "1.1", "1.5" })
        {
            var rows = carbon[pue];
            Assert.True(rows.Count >= 3, $"{rows.Count} regions");
            Assert.Equal("as", rows[0].Region);
            var grid = Grid("gcp-europe-west4");
            foreach (var (region, kg) in rows.Skip(1))
            {
                var expected = rows[0].Kg + (energy[pue] * (Grid(region) - grid) / 1000);
                var rounding = 0.05 + 0.05 + (0.5 * Math.Abs(Grid(region) - grid) / 1000);
                Assert.InRange(kg, expected - rounding, expected + rounding);
            }
        }

        // The desks are reached from the keyboard too: Tab to the Finance tab, Enter, and the finance desk is in the URL.
        await GoAsync(page, $"desk?scenario={await DemoAsync(page, "M/M/4 at 80 % load")}&view=infra");
        var reached = false;
        for (var i = 0; i < 60 && !reached; i++)
        {
            await page.Keyboard.PressAsync("Tab");
            reached = await page.EvaluateAsync<bool>("() => document.activeElement?.textContent?.trim() === 'Finance'");
        }

        Assert.True(reached, "the Finance tab is never reached with Tab");
        await page.Keyboard.PressAsync("Enter");
        // The desk changes in place (the URL replaced, no page load): the finance view is pressed and in the URL.
        await Assertions.Expect(page.Locator("[data-testid=view-finance]")).ToHaveAttributeAsync("aria-pressed", "true");
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("view=finance"));
    }

    private static double Grid(string region) => Catalog.TryGetRegion(region, out var r) ? r.GridGramsCo2PerKwh.Effective!.Value : throw new InvalidOperationException(region);
}
