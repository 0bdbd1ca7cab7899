using InferencePlanner.Core.Economics;

namespace InferencePlanner.Core.Tests.Economics;

public sealed class FleetEconomicsTests
{
    [Fact]
    public void Power_IsIdlePlusTheDynamicShareOfTdp()
    {
        // H100 SXM: 700 W TDP, 77 W idle (the catalog's 11 % stand-in), 40 % busy.
        Assert.Equal(77 + ((700 - 77) * 0.4), FleetEconomics.PowerWatts(77, 700, 0.4), 12);
        Assert.Equal(77, FleetEconomics.PowerWatts(77, 700, 0), 12);
        Assert.Equal(700, FleetEconomics.PowerWatts(77, 700, 1), 12);
    }

    [Fact]
    public void Energy_OfAFleetForAMonth_InKWh()
    {
        // 10 devices × 730.5 h × 326.2 W × PUE 1.135 = 2,704.6 kWh.
        Assert.Equal(10 * 730.5 * 326.2 * 1.135 / 1000, FleetEconomics.EnergyKWh(10, FleetEconomics.HoursPerMonth, 326.2, 1.135), 9);
        Assert.Equal(730.5, FleetEconomics.HoursPerMonth, 12);
    }

    [Fact]
    public void CloudCost_IsDeviceHoursTimesPrice_AndSpotPaysForLostWork()
    {
        Assert.Equal(4 * 730.5 * 12.29, FleetEconomics.CloudCostUsd(4, 730.5, 12.29), 9);
        // 5 % of spot work is interrupted and run again: 1 / 0.95 of the hours are paid.
        Assert.Equal(4 * 730.5 * 0.408 / 0.95, FleetEconomics.CloudCostUsd(4, 730.5, 0.408, 0.05), 9);
    }

    [Fact]
    public void OwnedCost_AmortisesThePurchase_AndAddsHostingAndPower()
    {
        // 8 devices at 30,000 USD over 4 years, 150 USD/month hosting each, 2,000 kWh at 0.10 USD.
        var expected = (8 * ((30_000 / 48.0) + 150)) + (2_000 * 0.10);
        Assert.Equal(expected, FleetEconomics.OwnedCostUsd(8, 30_000, 4, 150, 2_000, 0.10), 9);
    }

    [Fact]
    public void Carbon_OperationalFromEnergy_EmbodiedAmortisedOverLife()
    {
        Assert.Equal(2_704.6 * 379.069 / 1000, FleetEconomics.OperationalCarbonKg(2_704.6, 379.069), 9);
        // 10 H100s at ~575 kg each over 4 years: 119.79 kg a month.
        Assert.Equal(10 * 575 / 48.0, FleetEconomics.EmbodiedCarbonKg(10, 575, 4), 9);
    }

    [Fact]
    public void Price_DeclinesCompoundingOverTheYear()
    {
        Assert.Equal(12.29 * 0.85, FleetEconomics.PriceAfterDecline(12.29, 15, 12), 12);
        Assert.Equal(12.29 * Math.Pow(0.85, 0.5), FleetEconomics.PriceAfterDecline(12.29, 15, 6), 12);
    }

    [Fact]
    public void HourlyGrid_MeetsTheDailyLoad_HourByHour()
    {
        var load = Enumerable.Range(0, 24).Select(h => h is >= 8 and < 20 ? 1.0 : 0.25).ToArray();
        var flatGrid = Enumerable.Repeat(400.0, 24).ToArray();
        var solarGrid = Enumerable.Range(0, 24).Select(h => h is >= 8 and < 20 ? 200.0 : 600.0).ToArray();

        var flat = FleetEconomics.DailyOperationalCarbonKg(2, 77, 700, 0.8, 1.1, load, flatGrid);
        var solar = FleetEconomics.DailyOperationalCarbonKg(2, 77, 700, 0.8, 1.1, load, solarGrid);

        double Day(double utilization) => 2 * FleetEconomics.PowerWatts(77, 700, utilization) * 1.1 / 1000; // kWh an hour
        Assert.Equal(((12 * Day(0.8)) + (12 * Day(0.2))) * 400 / 1000, flat, 9);
        Assert.Equal(((12 * Day(0.8) * 200) + (12 * Day(0.2) * 600)) / 1000, solar, 9);
        Assert.True(solar < flat, "busy hours on a clean grid emit less than the flat average says");
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.1)]
    public void Power_RejectsAUtilizationOutsideZeroToOne(double utilization)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => FleetEconomics.PowerWatts(10, 100, utilization));
    }
}
