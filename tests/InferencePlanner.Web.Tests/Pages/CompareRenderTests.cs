using Microsoft.Extensions.DependencyInjection;
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

    [Fact]
    public async Task Compare_TheSelectionIsInTheUrl_AndALinkOpensIt()
    {
        Render<MudPopoverProvider>();
        var scenarios = await Store.ListAsync();
        var h100 = scenarios.Single(s => s.Name == "LLM chatbot on H100");
        var tpu = scenarios.Single(s => s.Name == "LLM chatbot on TPU v5e");
        var navigation = Services.GetRequiredService<Microsoft.AspNetCore.Components.NavigationManager>();
        navigation.NavigateTo("/compare");
        var page = Render<ComparePage>();

        await ChangeAsync(page, $"pick-{tpu.Id}", true);
        await ChangeAsync(page, $"pick-{h100.Id}", true);
        Assert.EndsWith($"compare?scenarios={tpu.Id}%2C{h100.Id}", navigation.Uri, StringComparison.Ordinal);
        await ChangeAsync(page, $"pick-{tpu.Id}", false);
        Assert.EndsWith($"compare?scenarios={h100.Id}", navigation.Uri, StringComparison.Ordinal);

        // The shared link: both picked in its order; an id that is no saved scenario is left out.
        navigation.NavigateTo($"/compare?scenarios={tpu.Id},999999,{h100.Id}");
        var opened = Render<ComparePage>();
        Assert.Equal([h100.Name, tpu.Name], opened.FindComponents<MudCheckBox<bool>>().Where(c => c.Instance.Value).Select(c => c.Instance.Label).Order(StringComparer.Ordinal));
        Assert.Equal("Compare 2", opened.Find("[data-testid=run]").TextContent.Trim());
        Assert.False(opened.Find("[data-testid=run]").HasAttribute("disabled"));
    }

    [Fact]
    public async Task Compare_AFleetWithoutAPrice_ShowsItsCostUnknown_NotZero()
    {
        Render<MudPopoverProvider>();
        var h100 = (await Store.ListAsync()).Single(s => s.Name == "LLM chatbot on H100");
        var scenario = Core.Scenarios.ScenarioJson.Parse(h100.Json);
        var mi300x = await Store.CreateAsync(scenario with { Name = "LLM chatbot on MI300X", Pools = [scenario.Pools![0] with { Device = "amd-mi300x" }] });
        var page = Render<ComparePage>();
        await ChangeAsync(page, $"pick-{h100.Id}", true);
        await ChangeAsync(page, $"pick-{mi300x.Id}", true);

        await ClickAsync(page, "[data-testid=run]");
        page.WaitForElement("[data-testid=comparison]", TimeSpan.FromMinutes(1));

        var cost = page.FindAll("[data-testid=comparison] tbody tr").Single(tr => tr.TextContent.StartsWith("cost (USD / month)", StringComparison.Ordinal));
        var cells = cost.QuerySelectorAll("td").Select(td => td.TextContent.Trim()).ToList();
        Assert.StartsWith("3,338", cells[1], StringComparison.Ordinal); // 1 H100 at 4.5701 USD/h, 730.5 h
        Assert.Equal("unknown", cells[2]);
        Assert.Contains(page.FindAll("[data-testid=compare-note]"), n => n.TextContent.Contains("its cost is unknown", StringComparison.Ordinal));
        Assert.Contains("not ranked: LLM chatbot on MI300X (cost unknown)", page.Find("[data-testid=compare-cheapest]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void Cheapest_RanksOnlyFleetsThatMeetTheirSloWithAKnownCost_AndSaysWhyTheOthersAreLeftOut()
    {
        PlannerActions.ComparedScenario Row(string name, double? cost, bool? met = true, bool stable = true) =>
            new(0, name, 1, stable, 10, met, cost, 1, 1, cost);

        var verdict = PlannerActions.ComparedScenario.Cheapest(
            [Row("a", 300), Row("free-looking", null), Row("b", 200), Row("too slow", 50, met: false), Row("overloaded", 10, stable: false)]);

        Assert.Equal("cheapest that meets its SLO: b, 200 USD/month (100 less than a); not ranked: free-looking (cost unknown), too slow (misses its SLO), overloaded (overloaded)", verdict);
        Assert.Equal("none can be ranked by cost; not ranked: x (cost unknown)", PlannerActions.ComparedScenario.Cheapest([Row("x", null)]));
    }
}
