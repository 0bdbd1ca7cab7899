using Microsoft.Playwright;

namespace InferencePlanner.E2E;

/// <summary>The dashboard in Debian's Chromium, driven by Playwright, against the real app.</summary>
public sealed class CatalogPageBrowserTests(AppServer app) : IClassFixture<AppServer>
{
    [Fact]
    public async Task Catalog_InChromium_ListsH100_FiltersLive_AndIsScreenshotted()
    {
        Assert.True(File.Exists(Chromium.ExecutablePath), $"{Chromium.ExecutablePath} is missing: the test command installs Debian's chromium");
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await Chromium.LaunchAsync(playwright);
        var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1600, Height = 1000 }, ColorScheme = ColorScheme.Light });
        var consoleErrors = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                consoleErrors.Add(message.Text);
            }
        };

        await page.GotoAsync(new Uri(app.BaseAddress, "catalog").ToString(), new() { WaitUntil = WaitUntilState.NetworkIdle });

        var grid = page.Locator("[data-testid=devices-grid]");
        var h100 = grid.Locator("tbody tr", new() { HasText = "nvidia-h100-sxm" });
        await Assertions.Expect(h100.First).ToBeVisibleAsync();
        await Assertions.Expect(h100.First).ToContainTextAsync("3,350 GB/s");

        // The search box only filters once the interactive circuit is up: typing proves the page is live.
        var rowsBefore = await grid.Locator("tbody tr.mud-table-row").CountAsync();
        await grid.Locator("input").First.FillAsync("h100");
        await Assertions.Expect(grid.Locator("tbody tr.mud-table-row")).Not.ToHaveCountAsync(rowsBefore);
        var rowsAfter = await grid.Locator("tbody tr.mud-table-row").AllInnerTextsAsync();
        Assert.NotEmpty(rowsAfter);
        Assert.All(rowsAfter, text => Assert.Contains("H100", text, StringComparison.OrdinalIgnoreCase));
        await grid.Locator("input").First.FillAsync(string.Empty);
        await Assertions.Expect(grid.Locator("tbody tr.mud-table-row")).ToHaveCountAsync(rowsBefore);

        var screenshot = Chromium.Artifact("catalog.png");
        await page.ScreenshotAsync(new() { Path = screenshot });
        Assert.True(new FileInfo(screenshot).Length > 10_000, "the screenshot is implausibly small");

        Assert.Empty(consoleErrors);
    }

    [Fact]
    public async Task EditRegion_InChromium_IsSavedWithItsSource_AndKeptOnReload()
    {
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await Chromium.LaunchAsync(playwright);
        var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1440, Height = 1000 } });
        await page.GotoAsync(new Uri(app.BaseAddress, "catalog?tab=regions").ToString(), new() { WaitUntil = WaitUntilState.NetworkIdle });
        await page.Locator("[data-interactive=true]").WaitForAsync(new() { State = WaitForSelectorState.Attached });

        await page.Locator("[data-testid=edit-region-grid-FR]").ClickAsync();
        var editor = page.Locator("[data-testid=catalog-editor]");
        await editor.Locator("[data-testid=edit-gridGramsCo2PerKwh] input, input[data-testid=edit-gridGramsCo2PerKwh]").FillAsync("31.5");
        await editor.Locator("[data-testid=edit-citation] input, input[data-testid=edit-citation]").FillAsync("our utility's 2026 disclosure");
        await page.ScreenshotAsync(new() { Path = Chromium.Artifact("catalog-edit.png") });
        await editor.Locator("[data-testid=edit-save]").ClickAsync();
        await Assertions.Expect(editor).ToHaveCountAsync(0);

        // Saved on the server: a fresh page shows the new figure, marked edited, citing the contract.
        await page.ReloadAsync(new() { WaitUntil = WaitUntilState.NetworkIdle });
        var row = page.Locator("[data-testid=regions-grid] tbody tr", new() { HasText = "grid-FR" });
        await Assertions.Expect(row).ToContainTextAsync("edited");
        await Assertions.Expect(row).ToContainTextAsync("31.5 g CO2e/kWh");
        await Assertions.Expect(row).ToContainTextAsync("our utility's 2026 disclosure");
        await Assertions.Expect(page.GetByRole(AriaRole.Tab, new() { Name = "Edits (1)" })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task ThemeToggle_InChromium_SwitchesToDark()
    {
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await Chromium.LaunchAsync(playwright);
        var page = await browser.NewPageAsync(new() { ColorScheme = ColorScheme.Light });
        await page.GotoAsync(app.BaseAddress.ToString(), new() { WaitUntil = WaitUntilState.NetworkIdle });

        await page.Locator("[data-interactive=true]").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        var background = () => page.EvaluateAsync<string>("getComputedStyle(document.body).backgroundColor");
        var light = await background();
        await page.Locator("[data-testid=theme-toggle]").ClickAsync();
        // Polled with evaluate: a waitForFunction predicate is compiled in the page, which its policy (no eval) refuses.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (await background() == light)
        {
            Assert.True(DateTime.UtcNow < deadline, "the theme did not change within 30 s");
            await Task.Delay(50);
        }

        Assert.Equal("rgb(13, 17, 23)", await background()); // PaletteDark.Background #0d1117
    }

    [Fact]
    public async Task Favicon_ThroughTheRunningApp_IsTheTopLevelWwwrootFile()
    {
        using var client = new HttpClient { BaseAddress = app.BaseAddress };

        var served = await client.GetByteArrayAsync(new Uri("favicon.svg", UriKind.Relative));

        Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(RepositoryPaths.Root, "wwwroot", "favicon.svg")), served);
    }
}
