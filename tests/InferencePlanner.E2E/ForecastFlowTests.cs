using Microsoft.Playwright;

namespace InferencePlanner.E2E;

/// <summary>Forecast a demo in the browser and download its CSV.</summary>
public sealed class ForecastFlowTests(AppServer app) : IClassFixture<AppServer>
{
    private static readonly string[] ChromiumArgs =
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ];

    private static string ResultsDirectory =>
        Environment.GetEnvironmentVariable("INFERENCEPLANNER_TEST_RESULTS") is { Length: > 0 } dir ? dir : Path.Combine(RepositoryPaths.Root, "TestResults");

    [Fact]
    public async Task Forecast_Demo_ShowsEveryMonth_AndTheCsvHasARowPerMonth()
    {
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = "/usr/bin/chromium", Headless = true, Args = ChromiumArgs });
        var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1440, Height = 1000 }, AcceptDownloads = true });

        await page.GotoAsync(app.BaseAddress.ToString(), new() { WaitUntil = WaitUntilState.NetworkIdle });
        var href = await page.Locator("[data-testid=scenario-list] tr", new() { HasText = "image classification across three regions" })
            .GetByRole(AriaRole.Link, new() { Name = "Simulate" }).GetAttributeAsync("href");
        var id = href!.Split('=')[1];

        await page.GotoAsync(new Uri(app.BaseAddress, $"forecast?scenario={id}").ToString(), new() { WaitUntil = WaitUntilState.NetworkIdle });
        await page.Locator("[data-interactive=true]").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        await page.Locator("[data-testid=run]").ClickAsync();

        var rows = page.Locator("[data-testid=months] tbody tr");
        await Assertions.Expect(rows).ToHaveCountAsync(24, new() { Timeout = 120_000 });
        await Assertions.Expect(page.Locator("[data-testid=cost-chart] svg.main-svg").First).ToBeVisibleAsync(new() { Timeout = 15_000 });

        var download = await page.RunAndWaitForDownloadAsync(() => page.Locator("[data-testid=download-csv]").ClickAsync());
        var file = Path.Combine(Path.GetTempPath(), download.SuggestedFilename);
        await download.SaveAsAsync(file);
        var lines = (await File.ReadAllLinesAsync(file)).Where(l => l.Length > 0).ToList();
        File.Delete(file);
        Assert.StartsWith("month,peakRatePerSecond", lines[0], StringComparison.Ordinal);
        Assert.Equal(25, lines.Count); // the header and 24 months

        Directory.CreateDirectory(Path.Combine(ResultsDirectory, "screenshots"));
        await page.ScreenshotAsync(new() { Path = Path.Combine(ResultsDirectory, "screenshots", "forecast.png"), FullPage = true });
    }
}
