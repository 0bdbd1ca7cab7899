using Microsoft.Playwright;

namespace InferencePlanner.E2E;

/// <summary>Compare two demos side by side; calibrate the MLP live and see its profile.</summary>
public sealed class CompareAndCalibrateFlowTests(AppServer app) : IClassFixture<AppServer>
{
    private static readonly string[] ChromiumArgs =
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ];

    private static string ResultsDirectory =>
        Environment.GetEnvironmentVariable("INFERENCEPLANNER_TEST_RESULTS") is { Length: > 0 } dir ? dir : Path.Combine(RepositoryPaths.Root, "TestResults");

    private async Task<IPage> OpenAsync(IBrowser browser, string path)
    {
        var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1440, Height = 1000 } });
        await page.GotoAsync(new Uri(app.BaseAddress, path).ToString(), new() { WaitUntil = WaitUntilState.NetworkIdle });
        await page.Locator("[data-interactive=true]").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        return page;
    }

    [Fact]
    public async Task Compare_TwoDemos_SideBySideWithTheirCosts()
    {
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = "/usr/bin/chromium", Headless = true, Args = ChromiumArgs });
        var page = await OpenAsync(browser, "compare");

        await page.GetByLabel("chatbot on H100").CheckAsync();
        await page.GetByLabel("image classification across three regions").CheckAsync();
        await page.Locator("[data-testid=run]").ClickAsync();

        var table = page.Locator("[data-testid=comparison]");
        await Assertions.Expect(table).ToBeVisibleAsync(new() { Timeout = 60_000 });
        await Assertions.Expect(table.Locator("thead th")).ToHaveCountAsync(3);
        await Assertions.Expect(table.Locator("tr", new() { HasText = "cost (USD / month)" })).ToContainTextAsync("(");
        Directory.CreateDirectory(Path.Combine(ResultsDirectory, "screenshots"));
        await page.ScreenshotAsync(new() { Path = Path.Combine(ResultsDirectory, "screenshots", "compare.png"), FullPage = true });
    }

    [Fact]
    public async Task Calibrate_Mlp_TheProfileAppears_AndCanBeSaved()
    {
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = "/usr/bin/chromium", Headless = true, Args = ChromiumArgs });
        var page = await OpenAsync(browser, "calibrate");

        await page.Locator("[data-testid=run]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=profile-id-value]")).ToHaveTextAsync("mlp-local-cpu-fp32", new() { Timeout = 120_000 });
        await Assertions.Expect(page.Locator("[data-testid=projections] tbody tr").First).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("[data-testid=latency-chart] svg.main-svg").First).ToBeVisibleAsync(new() { Timeout = 15_000 });
        await page.Locator("[data-testid=save-profile]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=calibrate-message]")).ToContainTextAsync("mlp-local-cpu-fp32");
        Directory.CreateDirectory(Path.Combine(ResultsDirectory, "screenshots"));
        await page.ScreenshotAsync(new() { Path = Path.Combine(ResultsDirectory, "screenshots", "calibrate.png"), FullPage = true });
    }
}
