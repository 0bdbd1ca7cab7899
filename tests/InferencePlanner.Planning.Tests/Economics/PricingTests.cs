using InferencePlanner.Core.Catalog;
using InferencePlanner.Core.Scenarios;
using InferencePlanner.Planning.Forecasting;

namespace InferencePlanner.Planning.Tests.Economics;

/// <summary>A price the catalog does not know is an unknown cost: never summed as zero, never borrowed unasked, never chosen as free.</summary>
public sealed class PricingTests
{
    private static readonly Lazy<DeviceCatalog> Catalog = new(() => CatalogLoader.Load(RepositoryPaths.Catalog));

    private static PoolSpec Pool(string name, string device, string region, double meanMs = 40) =>
        new() { Name = name, Device = device, Region = region, Count = 1, Service = new ServiceSpec { Distribution = "exponential", MeanMs = meanMs } };

    private static Scenario OneMonth(params PoolSpec[] pools) => new()
    {
        Name = "pricing",
        Seed = 5,
        Horizon = new Horizon { Queries = 20_000, WarmupQueries = 2_000 },
        Workload = new Workload { Arrivals = new ArrivalSpec { Kind = "poisson", RatePerSecond = 100 } },
        Pools = pools,
        Slo = new SloSpec { LatencyMs = 300, Percentile = 99 },
        Growth = new GrowthSpec { Months = 1, MonthlyGrowthPercent = 0 },
    };

    private static readonly ForecastOptions Options = new() { SizingQueries = 20_000 };

    [Fact]
    public void DeviceWithoutAnyPrice_HasAnUnknownCost_InThePoolTheMonthAndTheTotals()
    {
        // The catalog prices no MI300X anywhere (no hyperscaler price in its sources).
        Assert.DoesNotContain(Catalog.Value.PricesFor("amd-mi300x"), p => p.UsdPerAcceleratorHour.Effective is not null);

        var forecast = new Forecaster(Catalog.Value).Forecast(OneMonth(Pool("mi300x", "amd-mi300x", "azure-eastus")), Options);

        var month = forecast.Months[0];
        Assert.True(month.Pools[0].Count > 0);
        Assert.Null(month.Pools[0].CostUsd);
        Assert.Null(month.CostUsd);
        Assert.Null(month.CostPerMillionQueriesUsd);
        Assert.Null(forecast.Totals.CostUsd);
        Assert.Contains("no on-demand price for amd-mi300x in any region", month.Pools[0].PriceSource, StringComparison.Ordinal);
        Assert.Contains(forecast.Warnings, w => w.StartsWith("pool 'mi300x': its cost is unknown", StringComparison.Ordinal));
        Assert.True(month.EnergyKWh > 0, "energy is still known: only the price is missing");
    }

    [Fact]
    public void RegionWithoutAPrice_IsUnknown_UnlessTheScenarioAllowsAFallback_WhichIsThenNamed()
    {
        // AWS Paris has no H100 price in the catalog; GCP Iowa's on-demand rate (GPU only) is the cheapest anywhere.
        var paris = OneMonth(Pool("h100-paris", "nvidia-h100-sxm", "aws-eu-west-3"));
        var forecaster = new Forecaster(Catalog.Value);

        var unknown = forecaster.Forecast(paris, Options).Months[0].Pools[0];
        var borrowed = forecaster.Forecast(paris with { Economics = new EconomicsSpec { PriceFallback = "cheapest-anywhere" } }, Options);

        Assert.Null(unknown.CostUsd);
        Assert.Contains("no on-demand price for nvidia-h100-sxm in aws-eu-west-3", unknown.PriceSource, StringComparison.Ordinal);
        var pool = borrowed.Months[0].Pools[0];
        Assert.Equal(4.5701, pool.UsdPerDeviceHour);
        Assert.Equal(4.5701 * 730.5 * pool.Count, pool.CostUsd!.Value, 6);
        Assert.Contains("gcp a3-highgpu-8g on-demand in gcp-us-central1", pool.PriceSource, StringComparison.Ordinal);
        Assert.Contains(borrowed.Warnings, w => w.Contains("priced at the cheapest on-demand rate anywhere", StringComparison.Ordinal));
    }

    [Fact]
    public void CheapestMix_NeverChoosesAPoolWhosePriceIsUnknown()
    {
        // MI300X (no price anywhere) is faster per server than the priced H100: as a "free" device it would win.
        var scenario = OneMonth(Pool("mi300x", "amd-mi300x", "aws-us-east-1", meanMs: 20), Pool("h100", "nvidia-h100-sxm", "aws-us-east-1")) with
        {
            Economics = new EconomicsSpec { Mix = new MixSpec { Objective = "cost" } },
        };

        var forecast = new Forecaster(Catalog.Value).Forecast(scenario, Options);

        var month = forecast.Months[0];
        Assert.Equal(0, month.Pools.Single(p => p.Name == "mi300x").Count);
        Assert.True(month.Pools.Single(p => p.Name == "h100").Count > 0);
        Assert.NotNull(month.CostUsd);
        Assert.Contains("pool 'mi300x': left out of the cheapest mix: its price is unknown", forecast.Warnings);
    }
}
