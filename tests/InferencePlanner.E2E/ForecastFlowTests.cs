using Microsoft.Playwright;

namespace InferencePlanner.E2E;

/// <summary>Forecast a demo in the browser and download its CSV.</summary>
public sealed class ForecastFlowTests(AppServer app) : IClassFixture<AppServer>
{
    [Fact]
    public async Task Forecast_Demo_ShowsEveryMonth_AndTheCsvHasARowPerMonth()
    {
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await Chromium.LaunchAsync(playwright);
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
        Assert.StartsWith("Month,Peak rate (queries/s)", lines[0], StringComparison.Ordinal);
        Assert.Equal(26, lines.Count); // the header, 24 months and their totals
        Assert.StartsWith("total,", lines[^1], StringComparison.Ordinal);

        await page.ScreenshotAsync(new() { Path = Chromium.Artifact("forecast.png"), FullPage = true });
    }
}
