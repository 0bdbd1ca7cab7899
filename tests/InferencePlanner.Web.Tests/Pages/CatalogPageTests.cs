using Bunit;
using InferencePlanner.Core.Catalog;
using InferencePlanner.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using CatalogPage = InferencePlanner.Web.Components.Pages.Catalog;

namespace InferencePlanner.Web.Tests.Pages;

public sealed class CatalogPageTests : PlannerTestContext
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
            .Single(r => r.QuerySelector("td")!.TextContent.Trim() == "aws-us-east-1");
        Assert.Contains(CatalogText.Number(region.GridGramsCo2PerKwh.Value!.Value) + " g CO2e/kWh", row.TextContent, StringComparison.Ordinal);
        Assert.Contains(CatalogText.Number(region.Pue.Effective!.Value), row.TextContent, StringComparison.Ordinal);
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
