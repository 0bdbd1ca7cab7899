using System.Globalization;
using Microsoft.Playwright;

namespace InferencePlanner.E2E;

/// <summary>Compare the LLM chatbot on three accelerators side by side; calibrate the MLP live and see its profile.</summary>
public sealed class CompareAndCalibrateFlowTests(AppServer app) : IClassFixture<AppServer>
{
    private async Task<IPage> OpenAsync(IBrowser browser, string path)
    {
        var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1440, Height = 1000 } });
        await page.GotoAsync(new Uri(app.BaseAddress, path).ToString(), new() { WaitUntil = WaitUntilState.NetworkIdle });
        await page.Locator("[data-interactive=true]").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        return page;
    }

    [Fact]
    public async Task Compare_TheLlmChatbotOnH100L4AndTpu_SideBySideWithTheirCosts()
    {
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await Chromium.LaunchAsync(playwright);
        var page = await OpenAsync(browser, "compare");

        await page.GetByLabel("LLM chatbot on H100", new() { Exact = true }).CheckAsync();
        await page.GetByLabel("LLM chatbot on L4", new() { Exact = true }).CheckAsync();
        await page.GetByLabel("LLM chatbot on TPU v5e", new() { Exact = true }).CheckAsync();
        await page.Locator("[data-testid=run]").ClickAsync();

        var table = page.Locator("[data-testid=comparison]");
        await Assertions.Expect(table).ToBeVisibleAsync(new() { Timeout = 60_000 });
        await Assertions.Expect(table.Locator("thead th")).ToHaveCountAsync(4);

        // The catalog's GCP us-central1 on-demand prices × 730.5 h: 1 H100 at 4.5701 USD/h, 8 L4 at 0.56, 2 TPU v5e at 1.20.
        var cost = table.Locator("tr", new() { HasText = "cost (USD / month)" }).Locator("td");
        await Assertions.Expect(cost.Nth(1)).ToContainTextAsync((4.5701 * 730.5).ToString("N0", CultureInfo.InvariantCulture));
        await Assertions.Expect(cost.Nth(2)).ToContainTextAsync((8 * 0.56 * 730.5).ToString("N0", CultureInfo.InvariantCulture));
        await Assertions.Expect(cost.Nth(3)).ToContainTextAsync((2 * 1.20 * 730.5).ToString("N0", CultureInfo.InvariantCulture));
        await Assertions.Expect(table.Locator("tr", new() { HasText = "time to first token" })).ToBeVisibleAsync();

        // The TPU v5e's power is not published: its energy stays unknown, and the note says why.
        await Assertions.Expect(table.Locator("tr", new() { HasText = "energy (kWh / month)" }).Locator("td").Nth(3)).ToContainTextAsync("unknown");
        await Assertions.Expect(page.Locator("[data-testid=compare-note]", new() { HasText = "LLM chatbot on TPU v5e" })).ToContainTextAsync("no known power figures");
        await page.ScreenshotAsync(new() { Path = Chromium.Artifact("compare.png"), FullPage = true });
    }

    [Fact]
    public async Task Calibrate_Mlp_TheProfileAppears_AndCanBeSaved()
    {
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await Chromium.LaunchAsync(playwright);
        var page = await OpenAsync(browser, "calibrate");

        await page.Locator("[data-testid=run]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=profile-id-value]")).ToHaveTextAsync("mlp-local-cpu-fp32", new() { Timeout = 120_000 });
        await Assertions.Expect(page.Locator("[data-testid=projections] tbody tr").First).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("[data-testid=latency-chart] svg.main-svg").First).ToBeVisibleAsync(new() { Timeout = 15_000 });
        await page.Locator("[data-testid=save-profile]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=calibrate-message]")).ToContainTextAsync("mlp-local-cpu-fp32");
        await page.ScreenshotAsync(new() { Path = Chromium.Artifact("calibrate.png"), FullPage = true });
    }

    [Fact]
    public async Task Calibrate_UploadedOnnx_ABrokenFileIsRefusedClearly_AndAGoodOneIsProfiled()
    {
        var folder = Directory.CreateTempSubdirectory("ip-e2e-onnx-").FullName;
        try
        {
            var broken = Path.Combine(folder, "broken.onnx");
            await File.WriteAllBytesAsync(broken, Enumerable.Range(0, 4096).Select(i => (byte)(i * 37)).ToArray());
            var good = Path.Combine(folder, "my-mlp.onnx");
            await File.WriteAllBytesAsync(good, Google.Protobuf.MessageExtensions.ToByteArray(InferencePlanner.Calibration.Models.ModelZoo.Create("mlp").Proto));

            using var playwright = await Playwright.CreateAsync();
            await using var browser = await Chromium.LaunchAsync(playwright);
            var page = await OpenAsync(browser, "calibrate");
            await page.GetByLabel("Batch sizes").FillAsync("1,4");

            // The broken file ends its child process with a message naming the file and the reason; the app carries on.
            await page.Locator("input[type=file]").Last.SetInputFilesAsync(broken);
            await Assertions.Expect(page.Locator("[data-testid=calibrate-message]")).ToContainTextAsync("broken.onnx: ", new() { Timeout = 120_000 });
            await Assertions.Expect(page.Locator("[data-testid=calibrate-message]")).ToContainTextAsync("not an ONNX model");

            await page.Locator("input[type=file]").Last.SetInputFilesAsync(good);
            await Assertions.Expect(page.Locator("[data-testid=profile-id-value]")).ToHaveTextAsync("my-mlp-local-cpu-fp32", new() { Timeout = 120_000 });
            await Assertions.Expect(page.Locator("[data-testid=no-projections]")).ToBeVisibleAsync();
            // The uploaded copy is removed once profiled.
            Assert.DoesNotContain(Directory.GetDirectories(Path.GetTempPath(), "ip-upload-*"), d => File.Exists(Path.Combine(d, "my-mlp.onnx")));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Navigation_WorksFromTheKeyboard()
    {
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await Chromium.LaunchAsync(playwright);
        var page = await OpenAsync(browser, string.Empty);

        // Tab through the page until the navigation's "Compare" link has the focus, then Enter.
        var reached = false;
        for (var i = 0; i < 40 && !reached; i++)
        {
            await page.Keyboard.PressAsync("Tab");
            reached = await page.EvaluateAsync<bool>("() => document.activeElement?.getAttribute('href') === 'compare' || document.activeElement?.getAttribute('href') === '/compare'");
        }

        Assert.True(reached, "the Compare link is never reached with Tab");
        await page.Keyboard.PressAsync("Enter");
        await page.WaitForURLAsync(new System.Text.RegularExpressions.Regex("/compare$"));
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Compare" })).ToBeVisibleAsync();
    }
}
