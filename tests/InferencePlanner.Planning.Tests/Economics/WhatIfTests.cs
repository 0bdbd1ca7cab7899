using InferencePlanner.Core.Catalog;
using InferencePlanner.Core.Scenarios;
using InferencePlanner.Planning.Forecasting;

namespace InferencePlanner.Planning.Tests.Economics;

/// <summary>A scenario's what-ifs over the catalog: each moves exactly the figures it should, by hand, and is named beside them.</summary>
public sealed class WhatIfTests
{
    private static readonly Lazy<DeviceCatalog> Catalog = new(() => CatalogLoader.Load(RepositoryPaths.Catalog));
    private static readonly ForecastOptions Options = new() { SizingQueries = 20_000 };

    private static Scenario OneMonth(string device, string region, WhatIfSpec? whatIf = null, OwnedSpec? owned = null) => new()
    {
        Name = "what-if",
        Seed = 5,
        Horizon = new Horizon { Queries = 20_000, WarmupQueries = 2_000 },
        Workload = new Workload { Arrivals = new ArrivalSpec { Kind = "poisson", RatePerSecond = 100 } },
        Pools = [new PoolSpec { Name = "p", Device = device, Region = region, Count = 1, Owned = owned, Service = new ServiceSpec { Distribution = "exponential", MeanMs = 40 } }],
        Slo = new SloSpec { LatencyMs = 300, Percentile = 99 },
        Growth = new GrowthSpec { Months = 1, MonthlyGrowthPercent = 0 },
        Economics = whatIf is null ? null : new EconomicsSpec { WhatIf = whatIf },
    };

    [Fact]
    public void ADevicePrice_PricesADeviceTheCatalogCannot_NamedWithItsNote_AndTheCatalogIsUnchanged()
    {
        var quote = new WhatIfSpec { DevicePrices = [new DevicePriceSpec { Device = "amd-mi300x", UsdPerDeviceHour = 3.25, Note = "vendor quote, Nov 2026" }] };

        var forecast = new Forecaster(Catalog.Value).Forecast(OneMonth("amd-mi300x", "azure-eastus", quote), Options);

        var pool = forecast.Months[0].Pools[0];
        Assert.Equal(3.25, pool.UsdPerDeviceHour);
        Assert.Equal(3.25 * 730.5 * pool.Count, pool.CostUsd!.Value, 9);
        Assert.Contains("the scenario's what-if (economics.whatIf.devicePrices): vendor quote, Nov 2026", pool.PriceSource, StringComparison.Ordinal);
        Assert.Equal(["what-if: amd-mi300x at 3.25 USD per device-hour at every pricing, in every region: vendor quote, Nov 2026"], forecast.WhatIfs);
        Assert.DoesNotContain(Catalog.Value.PricesFor("amd-mi300x"), p => p.UsdPerAcceleratorHour.Effective is not null);
    }

    [Fact]
    public void Pue_ScalesTheFacilitysEnergyAndOperationalCarbon_ByItsRatio_AndNothingElse()
    {
        var forecaster = new Forecaster(Catalog.Value);
        var low = forecaster.Forecast(OneMonth("nvidia-l4", "gcp-us-central1", new WhatIfSpec { Pue = 1.1 }), Options).Months[0];
        var high = forecaster.Forecast(OneMonth("nvidia-l4", "gcp-us-central1", new WhatIfSpec { Pue = 1.5 }), Options).Months[0];

        Assert.Equal(low.Pools[0].Count, high.Pools[0].Count);
        Assert.Equal(low.CostUsd, high.CostUsd);
        Assert.Equal(1.5 / 1.1, high.EnergyKWh / low.EnergyKWh, 9);
        Assert.Equal(1.5 / 1.1, high.Pools[0].OperationalCarbonKg / low.Pools[0].OperationalCarbonKg, 9);
        Assert.Equal(low.Pools[0].EmbodiedCarbonKg, high.Pools[0].EmbodiedCarbonKg);
    }

    [Fact]
    public void Grid_IsEnergyTimesIntensity_AndTheCatalogsFigureIsNamedBesideIt()
    {
        var forecast = new Forecaster(Catalog.Value).Forecast(OneMonth("nvidia-l4", "gcp-us-central1", new WhatIfSpec { GridGramsCo2PerKwh = 50 }), Options);

        var pool = forecast.Months[0].Pools[0];
        Assert.Equal(pool.EnergyKWh * 50 / 1000, pool.OperationalCarbonKg, 9);
        Catalog.Value.TryGetRegion("gcp-us-central1", out var region);
        Assert.Contains(FormattableString.Invariant($"what-if: grid 50 g CO2e/kWh in every region and for edge devices (catalog: gcp-us-central1 {region.GridGramsCo2PerKwh.Effective:G4} g/kWh)"), forecast.WhatIfs);
    }

    [Fact]
    public void Electricity_ChangesWhatOwnedHardwarePays_ByItsEnergyTimesTheDifference()
    {
        var owned = new OwnedSpec { PurchaseUsd = 10_000, LifeYears = 4, HostingUsdPerMonth = 100 };
        var forecaster = new Forecaster(Catalog.Value);
        var cheap = forecaster.Forecast(OneMonth("nvidia-l4", "gcp-us-central1", new WhatIfSpec { ElectricityUsdPerKwh = 0.05 }, owned), Options).Months[0].Pools[0];
        var dear = forecaster.Forecast(OneMonth("nvidia-l4", "gcp-us-central1", new WhatIfSpec { ElectricityUsdPerKwh = 0.25 }, owned), Options).Months[0].Pools[0];

        // At the facility boundary the reported energy is what the owner pays for.
        Assert.Equal(cheap.EnergyKWh, dear.EnergyKWh);
        Assert.Equal(cheap.EnergyKWh * 0.20, dear.CostUsd!.Value - cheap.CostUsd!.Value, 6);
    }

    [Fact]
    public void DeviceLife_AmortizesEmbodiedCarbonOverItsYears_AndIsNamed()
    {
        var forecaster = new Forecaster(Catalog.Value);
        var four = forecaster.Forecast(OneMonth("nvidia-l4", "gcp-us-central1"), Options);
        var eight = forecaster.Forecast(OneMonth("nvidia-l4", "gcp-us-central1") with { Economics = new EconomicsSpec { DeviceLifeYears = 8 } }, Options);

        Assert.Equal(four.Months[0].Pools[0].EmbodiedCarbonKg / 2, eight.Months[0].Pools[0].EmbodiedCarbonKg, 9);
        Assert.Empty(four.WhatIfs);
        Assert.Equal(["what-if: embodied carbon (and owned hardware without its own life) amortized over 8 years (economics.deviceLifeYears; the catalog's stand-in: 4 years)"], eight.WhatIfs);
    }

    [Theory]
    [InlineData("{\"pue\": 0.5}", "$.economics.whatIf.pue")]
    [InlineData("{\"gridGramsCo2PerKwh\": -1}", "$.economics.whatIf.gridGramsCo2PerKwh")]
    [InlineData("{\"gridGramsCo2PerKwh\": 100, \"hourlyGridGramsCo2PerKwh\": [1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1]}", "$.economics.whatIf.hourlyGridGramsCo2PerKwh")]
    [InlineData("{\"hourlyGridGramsCo2PerKwh\": [1, 2]}", "$.economics.whatIf.hourlyGridGramsCo2PerKwh")]
    [InlineData("{\"devicePrices\": [{\"device\": \"nvidia-h100-sxmm\", \"usdPerDeviceHour\": 2, \"note\": \"quote\"}]}", "$.economics.whatIf.devicePrices[0].device")]
    [InlineData("{\"devicePrices\": [{\"device\": \"nvidia-h100-sxm\", \"usdPerDeviceHour\": 2}]}", "$.economics.whatIf.devicePrices[0].note")]
    [InlineData("{\"devicePrices\": [{\"device\": \"nvidia-h100-sxm\", \"note\": \"quote\"}]}", "$.economics.whatIf.devicePrices[0].usdPerDeviceHour")]
    [InlineData("{\"devicePrices\": [{\"device\": \"nvidia-h100-sxm\", \"usdPerDeviceHour\": 2, \"note\": \"q\", \"pricing\": \"monthly\"}]}", "$.economics.whatIf.devicePrices[0].pricing")]
    public void BadWhatIfs_AreNamedByTheirPath(string whatIf, string path)
    {
        var json = ScenarioJson.Write(OneMonth("nvidia-l4", "gcp-us-central1"));
        var node = System.Text.Json.Nodes.JsonNode.Parse(json)!;
        node["economics"] = new System.Text.Json.Nodes.JsonObject { ["whatIf"] = System.Text.Json.Nodes.JsonNode.Parse(whatIf) };

        var errors = ScenarioValidator.Validate(ScenarioJson.Parse(node.ToJsonString()), Catalog.Value);

        Assert.Contains(errors, e => e.Path == path);
        if (path.EndsWith(".device", StringComparison.Ordinal))
        {
            Assert.Contains(errors, e => e.Reason.Contains("did you mean", StringComparison.Ordinal) && e.Reason.Contains("nvidia-h100-sxm", StringComparison.Ordinal));
        }
    }
}
