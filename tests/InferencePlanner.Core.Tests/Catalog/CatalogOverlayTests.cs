using InferencePlanner.Core.Catalog;

namespace InferencePlanner.Core.Tests.Catalog;

public sealed class CatalogOverlayTests
{
    private static readonly HostDescription Host = new(
        "Test CPU 9000", 2, ["avx2", "fma"], 24.0, "Linux", "x64", new DateTimeOffset(2026, 11, 26, 0, 0, 0, TimeSpan.Zero));

    private static readonly Lazy<DeviceCatalog> Shipped = new(() => CatalogLoader.Load(RepositoryPaths.Catalog, Host));

    private static readonly Dictionary<string, Source> EditSource = new() { ["edit-1"] = new Source("our contract", "2026-11-26") };

    private static Device L4 => Shipped.Value.Devices.Single(d => d.Id == "nvidia-l4");

    [Fact]
    public void Empty_GivesTheShippedEntries()
    {
        var applied = CatalogOverlay.Empty.ApplyTo(Shipped.Value);

        Assert.Equal(Shipped.Value.Devices, applied.Devices);
        Assert.Equal(Shipped.Value.Prices, applied.Prices);
        Assert.Equal(Shipped.Value.Regions, applied.Regions);
        Assert.Equal(Shipped.Value.Sources.Count, applied.Sources.Count);
    }

    [Fact]
    public void EditedPrice_ReplacesTheShippedOne_ComesFirst_AndCitesTheEdit()
    {
        // The second price of the shipped list, at a team's contract rate.
        var shipped = Shipped.Value.Prices[1];
        Assert.NotEqual(6.88, shipped.UsdPerAcceleratorHour.Value);
        var edited = shipped with { UsdPerAcceleratorHour = Fact.Known(6.88, "edit-1", "2026-11-26") };

        var applied = new CatalogOverlay { Sources = EditSource, Prices = [edited] }.ApplyTo(Shipped.Value);

        Assert.Equal(Shipped.Value.Prices.Count, applied.Prices.Count);
        Assert.Same(edited, applied.Prices[0]);
        Assert.Equal(Shipped.Value.Prices.Where((_, i) => i != 1), applied.Prices.Skip(1));
        Assert.Equal("our contract", applied.SourceOf(applied.Prices[0].UsdPerAcceleratorHour)!.Citation);
    }

    [Fact]
    public void NewDevice_JoinsTheCatalog_BeforeTheLocalMachine()
    {
        var added = L4 with { Id = "nvidia-l4-custom", Name = "L4 (our firmware)", TdpWatts = Fact.Known(60, "edit-1") };

        var applied = new CatalogOverlay { Sources = EditSource, Devices = [added] }.ApplyTo(Shipped.Value);

        Assert.Equal(Shipped.Value.Devices.Count + 1, applied.Devices.Count);
        Assert.True(applied.TryGetDevice("nvidia-l4-custom", out var found));
        Assert.Equal(60, found.TdpWatts.Value);
        Assert.Equal(LocalMachine.DeviceId, applied.Devices[^1].Id);
        Assert.Same(L4, applied.Devices.Single(d => d.Id == "nvidia-l4"));
    }

    public static TheoryData<string, string> BadEdits => new()
    {
        // an edit the shipped rules refuse, and the field named
        { "negative tdp", "tdpWatts.value" },
        { "nan memory", "memoryGb.value" },
        { "idle above tdp", "idleWatts" },
        { "uncited", "peakFp16Tflops.source" },
        { "unknown source", "peakFp16Tflops.source" },
        { "bad id", "id" },
        { "local machine", "id" },
        { "price for no device", "deviceId" },
        { "price in no region", "region" },
        { "pue below one", "pue" },
        { "source clash", "(key)" },
    };

    [Theory]
    [MemberData(nameof(BadEdits))]
    public void BadEdit_IsRefused_NamingTheField(string edit, string field)
    {
        var price = Shipped.Value.Prices[0];
        var region = Shipped.Value.Regions[0];
        var overlay = edit switch
        {
            "negative tdp" => new CatalogOverlay { Sources = EditSource, Devices = [L4 with { TdpWatts = Fact.Known(-5, "edit-1") }] },
            "nan memory" => new CatalogOverlay { Sources = EditSource, Devices = [L4 with { MemoryGb = Fact.Known(double.NaN, "edit-1") }] },
            "idle above tdp" => new CatalogOverlay { Sources = EditSource, Devices = [L4 with { IdleWatts = Fact.Known(500, "edit-1") }] },
            "uncited" => new CatalogOverlay { Devices = [L4 with { PeakFp16Tflops = new Fact { Value = 1 } }] },
            "unknown source" => new CatalogOverlay { Devices = [L4 with { PeakFp16Tflops = Fact.Known(1, "edit-9") }] },
            "bad id" => new CatalogOverlay { Devices = [L4 with { Id = "My GPU" }] },
            "local machine" => new CatalogOverlay { Devices = [Shipped.Value.Devices.Single(d => d.Id == LocalMachine.DeviceId)] },
            "price for no device" => new CatalogOverlay { Prices = [price with { DeviceId = "no-such-gpu" }] },
            "price in no region" => new CatalogOverlay { Prices = [price with { Region = "aws-mars-1" }] },
            "pue below one" => new CatalogOverlay { Sources = EditSource, Regions = [region with { Pue = Fact.Known(0.9, "edit-1") }] },
            _ => new CatalogOverlay { Sources = new Dictionary<string, Source> { [price.UsdPerAcceleratorHour.Source!] = new("mine", "2026") } },
        };

        var ex = Assert.Throws<CatalogException>(() => overlay.ApplyTo(Shipped.Value));

        Assert.Equal(field, ex.Field);
    }

    [Fact]
    public void PriceKey_TellsApartEveryShippedPrice()
    {
        var keys = Shipped.Value.Prices.Select(CatalogOverlay.PriceKey).ToList();

        Assert.Equal(keys.Count, keys.Distinct(StringComparer.Ordinal).Count());
        Assert.NotEqual(CatalogOverlay.PriceKey(Shipped.Value.Prices[0]), CatalogOverlay.PriceKey(Shipped.Value.Prices[0] with { Pricing = PricingModel.Spot }));
    }
}
