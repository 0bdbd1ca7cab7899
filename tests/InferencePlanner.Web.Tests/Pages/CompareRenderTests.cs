using Bunit;
using MudBlazor;
using ComparePage = InferencePlanner.Web.Components.Pages.Compare;

namespace InferencePlanner.Web.Tests.Pages;

public sealed class CompareRenderTests : PageTestContext
{
    [Fact]
    public async Task Compare_OffersEverySavedScenario_NeedsTwo_AndPutsThemSideBySide()
    {
        Render<MudPopoverProvider>();
        var page = Render<ComparePage>();
        var scenarios = await Store.ListAsync();
        var run = page.Find("[data-testid=run]");

        Assert.Equal(scenarios.Count, page.FindAll("input[type=checkbox]").Count);
        Assert.True(run.HasAttribute("disabled"));

        var h100 = scenarios.Single(s => s.Name == "LLM chatbot on H100");
        var tpu = scenarios.Single(s => s.Name == "LLM chatbot on TPU v5e");
        await ChangeAsync(page, $"pick-{h100.Id}", true);
        Assert.True(page.Find("[data-testid=run]").HasAttribute("disabled"));
        await ChangeAsync(page, $"pick-{tpu.Id}", true);
        Assert.False(page.Find("[data-testid=run]").HasAttribute("disabled"));

        await ClickAsync(page, "[data-testid=run]");
        page.WaitForElement("[data-testid=comparison]", TimeSpan.FromMinutes(1));

        var heads = page.FindAll("[data-testid=comparison] thead th").Select(th => th.TextContent).ToList();
        Assert.Equal(["", "LLM chatbot on H100", "LLM chatbot on TPU v5e"], heads);
        var cost = page.FindAll("[data-testid=comparison] tbody tr").Single(tr => tr.TextContent.StartsWith("cost (USD / month)", StringComparison.Ordinal));
        // 1 H100 at 4.5701 USD/h and 2 TPU v5e at 1.20 USD/h (GCP us-central1, on demand), 730.5 h: 3,338 against 1,753.
        Assert.Contains("1,753", cost.TextContent, StringComparison.Ordinal);
        Assert.Contains("\u22121,585", cost.TextContent, StringComparison.Ordinal);
    }
}
