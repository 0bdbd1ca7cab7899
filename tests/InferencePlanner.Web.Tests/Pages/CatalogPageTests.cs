using Bunit;
using InferencePlanner.Core.Catalog;
using InferencePlanner.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using CatalogPage = InferencePlanner.Web.Components.Pages.Catalog;

namespace InferencePlanner.Web.Tests.Pages;

public sealed class CatalogPageTests : PageTestContext
{
    private IRenderedComponent<CatalogPage> RenderCatalog(string? query = null)
    {
        Services.GetRequiredService<NavigationManager>().NavigateTo("/catalog" + query);
        Render<MudPopoverProvider>();
        return Render<CatalogPage>();
    }

    [Fact]
    public void Render_DevicesTab_ListsEveryCatalogDevice()
    {
        var page = RenderCatalog();

        var rows = page.FindAll("[data-testid=devices-grid] tbody tr.mud-table-row");
        Assert.Equal(Catalog.Devices.Count, rows.Count);
        Assert.Contains(rows, r => r.TextContent.Contains("nvidia-h100-sxm", StringComparison.Ordinal));
        Assert.Contains(rows, r => r.TextContent.Contains(LocalMachine.DeviceId, StringComparison.Ordinal));
    }

    [Fact]
    public void Render_H100Row_ShowsItsFiguresWithUnitsAndItsSource()
    {
        var page = RenderCatalog();

        var h100 = page.FindAll("[data-testid=devices-grid] tbody tr.mud-table-row")
            .Single(r => r.QuerySelector(".ip-device-id")?.TextContent == "nvidia-h100-sxm");
        Assert.True(Catalog.TryGetDevice("nvidia-h100-sxm", out var device));
        var source = Catalog.SourceOf(device.MemoryBandwidthGBps)!;

        Assert.Contains("3,350 GB/s", h100.TextContent, StringComparison.Ordinal);
        Assert.Contains("700 W", h100.TextContent, StringComparison.Ordinal);
        var sourceKey = h100.QuerySelectorAll(".ip-source-key").Single(e => e.TextContent == device.MemoryBandwidthGBps.Source);
        Assert.Equal($"{source.Citation} ({source.Date})", sourceKey.GetAttribute("title"));
    }

    [Fact]
    public void Search_ByVendor_KeepsOnlyMatchingDevices()
    {
        var page = RenderCatalog();

        page.Find("[data-testid=devices-grid] input").Input("Jetson");

        var rows = page.FindAll("[data-testid=devices-grid] tbody tr.mud-table-row");
        var expected = Catalog.Devices.Count(d => d.Name.Contains("Jetson", StringComparison.OrdinalIgnoreCase)
            || d.Id.Contains("jetson", StringComparison.OrdinalIgnoreCase));
        Assert.True(expected >= 2, "the catalog should hold at least two Jetson modules");
        Assert.Equal(expected, rows.Count);
    }

    [Fact]
    public void Render_TabFromQuery_OpensPricesWithTheirDates()
    {
        var page = RenderCatalog("?tab=prices");

        var rows = page.FindAll("[data-testid=prices-grid] tbody tr.mud-table-row");
        Assert.Equal(Catalog.Prices.Count, rows.Count);
        var first = Catalog.Prices[0];
        var date = first.UsdPerAcceleratorHour.AsOf ?? Catalog.SourceOf(first.UsdPerAcceleratorHour)!.Date;
        Assert.Contains(rows, r => r.TextContent.Contains(date, StringComparison.Ordinal));
    }

    [Fact]
    public void Render_RegionsTab_ShowsGridIntensityAndPue()
    {
        var page = RenderCatalog("?tab=regions");

        Assert.True(Catalog.TryGetRegion("aws-us-east-1", out var region));
        var row = page.FindAll("[data-testid=regions-grid] tbody tr.mud-table-row")
            .Single(r => r.QuerySelectorAll("td").Any(td => td.TextContent.Trim() == "aws-us-east-1"));
        Assert.Contains(CatalogText.Number(region.GridGramsCo2PerKwh.Value!.Value) + " g CO2e/kWh", row.TextContent, StringComparison.Ordinal);
        Assert.Contains(CatalogText.Number(region.Pue.Effective!.Value), row.TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EditPrice_SavesItWithItsCitation_ShowsIt_AndCostsFollow()
    {
        var page = RenderCatalog("?tab=prices");
        // AWS lists the H100 on demand at 6.88 USD/h (after its June 2025 cut); a team with a negotiated rate puts in its own.
        var index = Catalog.Prices.ToList().FindIndex(p => p.DeviceId == "nvidia-h100-sxm" && p.Pricing == PricingModel.OnDemand && p.Provider == "aws" && p.Region == "aws-us-east-1");
        var shipped = Catalog.Prices[index];

        await ClickAsync(page, $"[data-testid=edit-price-{index}]");
        await ChangeAsync(page, "edit-usdPerAcceleratorHour", "3.25");
        await ChangeAsync(page, "edit-citation", "our 2027 reserved contract");
        await ClickAsync(page, "[data-testid=edit-save]");

        // Saved: the current catalog prices that instance at 3.25 USD/h, citing the edit, and the old figure is the shipped one.
        var edited = Catalogs.Current.Prices.Single(p => CatalogOverlay.PriceKey(p) == CatalogOverlay.PriceKey(shipped));
        Assert.Equal(3.25, edited.UsdPerAcceleratorHour.Value);
        Assert.Equal("our 2027 reserved contract", Catalogs.Current.SourceOf(edited.UsdPerAcceleratorHour)!.Citation);
        Assert.Equal(Catalog.Prices.Count, Catalogs.Current.Prices.Count);
        Assert.Same(shipped, Catalogs.Shipped.Prices[index]);

        // Shown: the row carries the new figure and is marked edited, first in the list (a team's prices come first).
        page.WaitForAssertion(() =>
        {
            var row = page.FindAll("[data-testid=prices-grid] tbody tr.mud-table-row")[0];
            Assert.Contains("3.25 USD/h", row.TextContent, StringComparison.Ordinal);
            Assert.Contains("edited", row.TextContent, StringComparison.Ordinal);
        });
        Assert.Empty(page.FindAll("[data-testid=catalog-editor]"));

        // Costs follow: a month of the demo's four H100s (AWS us-east-1, on demand) is now 4 × 3.25 × 730.5 USD, not at 6.88.
        var scenario = Core.Scenarios.ScenarioJson.Load(Path.Combine(RepositoryPaths.Root, "data", "scenarios", "chatbot-h100.json"));
        var model = Simulation.Engine.SimulationModel.Compile(scenario, Actions.Catalog, null, null);
        var result = Simulation.Engine.SimulationRunner.Run(model.With(queries: 10_000), new Simulation.Engine.SimulationOptions());
        var month = new Planning.Forecasting.Forecaster(Actions.Catalog).Evaluate(scenario, result, null).Month;
        Assert.Equal(4 * 3.25 * 730.5, month.CostUsd!.Value, 1e-6);
    }

    [Fact]
    public async Task EditDevice_WithANegativeFigure_NamesTheField_AndSavesNothing()
    {
        var page = RenderCatalog();

        await ClickAsync(page, "[data-testid=edit-device-nvidia-l4]");
        await ChangeAsync(page, "edit-tdpWatts", "-5");
        await ChangeAsync(page, "edit-citation", "a typo");
        await ClickAsync(page, "[data-testid=edit-save]");

        Assert.Contains("TDP: -5 is negative", page.Find("[data-testid=edit-error]").TextContent, StringComparison.Ordinal);
        Assert.Empty(await Catalogs.HistoryAsync());
        Assert.Same(Catalog.Devices.Single(d => d.Id == "nvidia-l4"), Catalogs.Current.Devices.Single(d => d.Id == "nvidia-l4"));
    }

    [Fact]
    public async Task EditRegion_WithoutACitation_IsRefused_ThenSaved_ThenReverted()
    {
        var page = RenderCatalog("?tab=regions");

        await ClickAsync(page, "[data-testid=edit-region-aws-us-east-1]");
        await ChangeAsync(page, "edit-gridGramsCo2PerKwh", "120");
        await ClickAsync(page, "[data-testid=edit-save]");
        Assert.Contains("Source of the new figures", page.Find("[data-testid=edit-error]").TextContent, StringComparison.Ordinal);
        Assert.Empty(await Catalogs.HistoryAsync());

        await ChangeAsync(page, "edit-citation", "our utility's 2026 disclosure");
        await ClickAsync(page, "[data-testid=edit-save]");
        Assert.True(Catalogs.Current.TryGetRegion("aws-us-east-1", out var edited));
        Assert.Equal(120, edited.GridGramsCo2PerKwh.Value);
        Assert.Equal(Catalog.Regions.Single(r => r.Id == "aws-us-east-1").Pue, edited.Pue); // untouched figures keep their sources

        await ClickAsync(page, "[data-testid=edit-region-aws-us-east-1]");
        await ClickAsync(page, "[data-testid=edit-revert]");
        Assert.True(Catalogs.Current.TryGetRegion("aws-us-east-1", out var reverted));
        Assert.Same(Catalog.Regions.Single(r => r.Id == "aws-us-east-1"), reverted);
        Assert.Equal(2, (await Catalogs.HistoryAsync()).Count);
        page.WaitForAssertion(() => Assert.Contains("Edits (2)", page.Markup, StringComparison.Ordinal));
    }

    [Fact]
    public void FactCell_UnknownWithStandIn_ShowsTheAssumptionNotAValue()
    {
        var fact = Fact.Unknown("no published figure; 11 % of TDP", assumed: 77);

        Render<MudPopoverProvider>();
        var cell = Render<FactCell>(p => p.Add(c => c.Fact, fact).Add(c => c.Unit, "W"));

        Assert.Contains("≈ 77", cell.Markup, StringComparison.Ordinal);
        Assert.Contains("(assumed)", cell.Markup, StringComparison.Ordinal);
        Assert.Single(cell.FindAll(".ip-assumed"));
    }

    [Fact]
    public void FactCell_NotApplicable_SaysSo()
    {
        var cell = Render<FactCell>(p => p.Add(c => c.Fact, (Fact?)null).Add(c => c.Unit, "TFLOP/s"));

        Assert.Equal("n/a", cell.Find(".ip-na").TextContent);
    }

    [Theory]
    [InlineData(989.4, "989.4")]
    [InlineData(3350, "3,350")]
    [InlineData(1.135, "1.14")]
    [InlineData(0.0425, "0.0425")]
    public void Number_FormatsInvariantWithSensiblePrecision(double value, string expected)
    {
        Assert.Equal(expected, CatalogText.Number(value));
    }
}
