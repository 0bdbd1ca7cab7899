using Microsoft.Playwright;

namespace InferencePlanner.E2E;

/// <summary>The app with a dashboard password set (Auth:DashboardPassword).</summary>
public sealed class ProtectedAppServer : AppServer
{
    public const string Password = "a long shared passphrase";

    protected override IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string> { ["Auth__DashboardPassword"] = Password };
}

/// <summary>Signing in to a protected dashboard in Chromium: the live page works behind the cookie and the page policy.</summary>
public sealed class SignInFlowTests(ProtectedAppServer app) : IClassFixture<ProtectedAppServer>
{
    [Fact]
    public async Task ProtectedDashboard_AsksForThePassword_ThenRunsLive()
    {
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await Chromium.LaunchAsync(playwright);
        var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1440, Height = 1000 } });
        var errors = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                errors.Add(message.Text);
            }
        };

        await page.GotoAsync(new Uri(app.BaseAddress, "catalog?tab=regions").ToString());
        Assert.Contains("/login", page.Url, StringComparison.Ordinal);

        await page.GetByLabel("Password").FillAsync("not it");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("not right");

        await page.GetByLabel("Password").FillAsync(ProtectedAppServer.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();

        // Back where the user was going, and live: the circuit connects with the cookie, the search filters.
        await page.WaitForURLAsync("**/catalog?tab=regions");
        await page.Locator("[data-interactive=true]").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        await Assertions.Expect(page.Locator("[data-testid=regions-grid] tbody tr", new() { HasText = "grid-FR" })).ToBeVisibleAsync();
        Assert.Empty(errors);
    }
}
