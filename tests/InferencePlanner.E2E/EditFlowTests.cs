using System.Globalization;
using Microsoft.Playwright;

namespace InferencePlanner.E2E;

/// <summary>Edit a pool's count on the plan page, save, simulate again: the result follows the edit.</summary>
public sealed class EditFlowTests(AppServer app) : IClassFixture<AppServer>
{
    [Fact]
    public async Task EditPoolCount_Save_Simulate_TheP99Falls()
    {
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await Chromium.LaunchAsync(playwright);
        var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1440, Height = 1000 } });

        await page.GotoAsync(app.BaseAddress.ToString(), new() { WaitUntil = WaitUntilState.NetworkIdle });
        var href = await page.Locator("[data-testid=scenario-list] tr", new() { HasText = "M/M/4 at 80 % load" })
            .GetByRole(AriaRole.Link, new() { Name = "Simulate" }).GetAttributeAsync("href");
        var id = href!.Split('=')[1];

        var before = await SimulateP99Async(page, id);

        await page.GotoAsync(new Uri(app.BaseAddress, $"plan?scenario={id}").ToString(), new() { WaitUntil = WaitUntilState.NetworkIdle });
        await page.Locator("[data-interactive=true]").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        // The what-if beside the form: the draft as loaded, simulated at once.
        var whatIf = page.Locator("[data-testid=whatif-p99-value]");
        await Assertions.Expect(whatIf).ToBeVisibleAsync(new() { Timeout = 60_000 });
        var whatIfBeforeText = await whatIf.InnerTextAsync();
        var whatIfBefore = Milliseconds(whatIfBeforeText);

        var count = page.Locator("input[data-testid=count-servers], [data-testid=count-servers] input");
        await count.FillAsync("6");
        await count.PressAsync("Tab");

        // The edit re-runs it: the p99 changes without leaving the page.
        await Assertions.Expect(whatIf).Not.ToHaveTextAsync(whatIfBeforeText, new() { Timeout = 60_000 });
        var whatIfAfter = Milliseconds(await whatIf.InnerTextAsync());
        // Both runs (3 replications × 200,000 queries) land within 5 SE (107 ms, see SimulateFlowTests) of Erlang C:
        // p99 6.89 s for M/M/4 and 4.67 s for M/M/6 at 3.2 queries/s and 1 s service.
        Assert.InRange(whatIfBefore, ErlangP99Ms(4) - (5 * 107), ErlangP99Ms(4) + (5 * 107));
        Assert.InRange(whatIfAfter, ErlangP99Ms(6) - (5 * 107), ErlangP99Ms(6) + (5 * 107));
        await File.WriteAllTextAsync(Chromium.Artifact("whatif-timing.txt"),
            $"edit a pool count → what-if p99 shown: {await page.Locator("[data-testid=whatif-seconds]").InnerTextAsync()} (M/M/4 demo → M/M/6)\n");
        await Assertions.Expect(page.Locator("textarea[data-testid=json], [data-testid=json] textarea")).ToHaveValueAsync(new System.Text.RegularExpressions.Regex("\"count\": 6"));
        await page.Locator("[data-testid=save]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=plan-message]")).ToContainTextAsync("version 2");
        await page.ScreenshotAsync(new() { Path = Chromium.Artifact("plan.png"), FullPage = true });

        var after = await SimulateP99Async(page, id);

        // The saved version simulates as M/M/6 now: within 5 SE of Erlang C's 4.67 s, against M/M/4's 6.89 s before.
        Assert.InRange(before, ErlangP99Ms(4) - (5 * 107), ErlangP99Ms(4) + (5 * 107));
        Assert.InRange(after, ErlangP99Ms(6) - (5 * 107), ErlangP99Ms(6) + (5 * 107));
    }

    private async Task<double> SimulateP99Async(IPage page, string id)
    {
        await page.GotoAsync(new Uri(app.BaseAddress, $"simulate?scenario={id}").ToString(), new() { WaitUntil = WaitUntilState.NetworkIdle });
        await page.Locator("[data-interactive=true]").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        await page.Locator("[data-testid=run]").ClickAsync();
        var p99 = page.Locator("[data-testid=p99-value]");
        await Assertions.Expect(p99).ToBeVisibleAsync(new() { Timeout = 60_000 });
        return Milliseconds(await p99.InnerTextAsync());
    }

    private static double ErlangP99Ms(int servers) => new Core.Analytics.MmcQueue(3.2, 1, servers).SojournQuantile(0.99) * 1000;

    private static double Milliseconds(string text) =>
        double.Parse(text.Replace("ms", string.Empty, StringComparison.Ordinal).Replace(",", string.Empty, StringComparison.Ordinal).Trim(), CultureInfo.InvariantCulture);
}
