using System.Diagnostics;
using System.Globalization;
using Microsoft.Playwright;

namespace InferencePlanner.E2E;

/// <summary>A user's main flow in Debian's Chromium: open a demo from the overview, simulate it, read p99.</summary>
public sealed class SimulateFlowTests(AppServer app) : IClassFixture<AppServer>
{
    [Fact]
    public async Task OpenDemo_Simulate_ReadP99AgainstErlangC()
    {
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await Chromium.LaunchAsync(playwright);
        var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1440, Height = 1000 } });

        await page.GotoAsync(app.BaseAddress.ToString(), new() { WaitUntil = WaitUntilState.NetworkIdle });
        var row = page.Locator("[data-testid=scenario-list] tr", new() { HasText = "M/M/4 at 80 % load" });
        await row.GetByRole(AriaRole.Link, new() { Name = "Simulate" }).ClickAsync();
        await page.WaitForURLAsync("**/simulate?scenario=*");
        await page.Locator("[data-interactive=true]").WaitForAsync(new() { State = WaitForSelectorState.Attached });

        var clock = Stopwatch.StartNew();
        await page.Locator("[data-testid=run]").ClickAsync();
        var p99 = page.Locator("[data-testid=p99-value]");
        await Assertions.Expect(p99).ToBeVisibleAsync(new() { Timeout = 60_000 });
        var elapsed = clock.Elapsed;

        // Erlang C for M/M/4 at ρ = 0.8 with 1 s service gives the p99 sojourn; the page shows the mean of three
        // replications' p99 over 200,000 queries each. One replication's p99 has a standard deviation of 185 ms
        // (measured: `simulate mm4-erlang-c.json --queries 200000 -r 100` gives a 95 % half-width of 36.7 ms over
        // 100 replications, × √100 / 1.984), so the mean of three has a standard error of 107 ms: within 5 SE.
        var exact = new Core.Analytics.MmcQueue(3.2, 1, 4).SojournQuantile(0.99) * 1000;
        var text = (await p99.InnerTextAsync()).Replace("ms", string.Empty, StringComparison.Ordinal).Replace(",", string.Empty, StringComparison.Ordinal).Trim();
        var ms = double.Parse(text, CultureInfo.InvariantCulture);
        Assert.InRange(ms, exact - (5 * 107), exact + (5 * 107));
        await Assertions.Expect(page.Locator("[data-testid=cross-check]")).ToContainTextAsync("Erlang C");
        // Plotly has drawn the distribution (its SVG is in the chart).
        await Assertions.Expect(page.Locator("[data-testid=latency-cdf] svg.main-svg").First).ToBeVisibleAsync(new() { Timeout = 15_000 });

        await page.ScreenshotAsync(new() { Path = Chromium.Artifact("simulate.png"), FullPage = true });
        await File.WriteAllTextAsync(Chromium.Artifact("simulate-timing.txt"),
            $"click Run → p99 shown: {elapsed.TotalMilliseconds:N0} ms (M/M/4 demo, 3 replications × 200,000 queries)\n");

        // The overview now shows this scenario at a glance, with the run's p99 (to the unit shown on the simulate page).
        await page.GetByRole(AriaRole.Link, new() { Name = "Overview" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=glance]")).ToContainTextAsync("Current scenario: M/M/4 at 80 % load", new() { Timeout = 15_000 });
        var glance = (await page.Locator("[data-testid=glance-p99-value]").InnerTextAsync()).Replace("ms", string.Empty, StringComparison.Ordinal).Replace(",", string.Empty, StringComparison.Ordinal).Trim();
        Assert.InRange(double.Parse(glance, CultureInfo.InvariantCulture) - ms, -0.5, 0.5);
        // Its servers name no catalog device: cost and carbon are unknown, not zero.
        await Assertions.Expect(page.Locator("[data-testid=glance-cost-value]")).ToHaveTextAsync("unknown");
        await page.ScreenshotAsync(new() { Path = Chromium.Artifact("overview.png"), FullPage = true });
    }
}
