using InferencePlanner.Core.Catalog;
using InferencePlanner.Core.Scenarios;
using InferencePlanner.Planning.Forecasting;
using InferencePlanner.Planning.Growth;

namespace InferencePlanner.Planning.Tests.Forecasting;

/// <summary>An edge pool is a population of user devices: its energy carries its grid's carbon, and it is never sized.</summary>
public sealed class EdgeForecastTests
{
    private static readonly Lazy<DeviceCatalog> Catalog = new(() => CatalogLoader.Load(RepositoryPaths.Catalog));

    private static Scenario Demo(string file) => ScenarioJson.Load(Path.Combine(RepositoryPaths.Root, "data", "scenarios", file));

    private static double Grid(string region) =>
        Catalog.Value.TryGetRegion(region, out var r) ? r.GridGramsCo2PerKwh.Effective!.Value : throw new InvalidOperationException(region);

    private static readonly ForecastOptions Options = new() { SizingQueries = 20_000 };

    [Fact]
    public void EdgeEnergy_IsChargedAtTheFleetsGrid_WhenTheUsersRegionIsNotGiven_AndSaysSo()
    {
        // 30 % of 300 queries/s to 2,000 Jetson Orin Nanos; the datacenter pool is in GCP us-central1.
        var scenario = Demo("edge-offload.json") with { Slo = new SloSpec { LatencyMs = 2000, Percentile = 99 }, Growth = new GrowthSpec { Months = 1, MonthlyGrowthPercent = 0 } };

        var forecast = new Forecaster(Catalog.Value).Forecast(scenario, Options);

        var phones = forecast.Months[0].Pools.Single(p => p.Name == "phones");
        Assert.Equal(2000, phones.Count); // the population as listed: not sized down to the few a load of 90 queries/s needs
        Assert.True(phones.EnergyKWh > 0);
        Assert.Equal(phones.EnergyKWh * Grid("gcp-us-central1") / 1000, phones.OperationalCarbonKg, 9);
        Assert.Contains(forecast.Warnings, w => w.StartsWith("pool 'phones': its edge devices are charged at gcp-us-central1's grid", StringComparison.Ordinal));
    }

    [Fact]
    public void EdgeEnergy_IsWhatTheInferenceAdds_AboveTheDevicesIdleDraw()
    {
        // The users' devices are on for them anyway: 2,000 idle Jetsons are not the inference's energy.
        var scenario = Demo("edge-offload.json") with { Slo = new SloSpec { LatencyMs = 2000, Percentile = 99 }, Growth = new GrowthSpec { Months = 1, MonthlyGrowthPercent = 0 } };
        Assert.True(Catalog.Value.TryGetDevice(scenario.Pools![1].Device!, out var jetson));

        var phones = new Forecaster(Catalog.Value).Forecast(scenario, Options).Months[0].Pools.Single(p => p.Name == "phones");

        // Poisson arrivals: the month's mean load is its peak, so the devices draw at the peak's activity all month.
        Assert.Equal(ScenarioNames.Poisson, scenario.Workload!.Arrivals!.Kind);
        var dynamicWatts = jetson.TdpWatts.Effective!.Value - jetson.IdleWatts.Effective!.Value;
        Assert.Equal(phones.Count * Core.Economics.FleetEconomics.HoursPerMonth * dynamicWatts * phones.PowerActivity!.Value / 1000, phones.EnergyKWh, 9);
        Assert.True(phones.PowerActivity is > 0 and < 1);
    }

    [Fact]
    public void EdgeEnergy_IsChargedAtTheUsersGrid_WhenTheScenarioNamesIt()
    {
        var demo = Demo("edge-offload.json");
        var scenario = demo with
        {
            Pools = [demo.Pools![0], demo.Pools[1] with { Region = "grid-FR" }],
            Slo = new SloSpec { LatencyMs = 2000, Percentile = 99 },
            Growth = new GrowthSpec { Months = 1, MonthlyGrowthPercent = 0 },
        };

        var forecast = new Forecaster(Catalog.Value).Forecast(scenario, Options);

        var phones = forecast.Months[0].Pools.Single(p => p.Name == "phones");
        Assert.Equal(phones.EnergyKWh * Grid("grid-FR") / 1000, phones.OperationalCarbonKg, 9);
        Assert.DoesNotContain(forecast.Warnings, w => w.Contains("edge devices are charged at", StringComparison.Ordinal));
    }

    [Fact]
    public void EdgePopulation_GrowsWithTheTraffic_AndIsNeverSized()
    {
        // 26 devices at month 0; traffic grows along a logistic curve to 5×.
        var scenario = Demo("recommendation-edge.json");
        var growth = new GrowthModel(scenario.Growth);

        var forecast = new Forecaster(Catalog.Value).Forecast(scenario, Options);

        Assert.All(forecast.Months, m =>
        {
            var phones = m.Pools.Single(p => p.Name == "phones");
            Assert.Equal((int)Math.Ceiling(26 * growth.Multiplier(m.Month)), phones.Count);
            Assert.Equal("listed population of user devices, grown with the traffic; not sized", phones.SizingMethod);
            Assert.True(phones.OperationalCarbonKg > 0);
        });
    }
}
