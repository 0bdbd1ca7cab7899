namespace InferencePlanner.Core.Economics;

/// <summary>
/// The cost, energy and carbon formulas, in one place and pure, so that each can be checked by hand.
/// Units are in the names: USD, hours, watts, kWh, kg CO2e, g CO2e per kWh.
/// </summary>
public static class FleetEconomics
{
    /// <summary>The average month: 365.25 × 24 / 12 hours.</summary>
    public const double HoursPerMonth = 365.25 * 24 / 12;

    /// <summary>Device power at a utilization: idle + (TDP − idle) × utilization, watts.</summary>
    public static double PowerWatts(double idleWatts, double tdpWatts, double utilization)
    {
        Check(utilization is >= 0 and <= 1, nameof(utilization), "must be in [0, 1]");
        Check(idleWatts >= 0 && tdpWatts >= idleWatts, nameof(idleWatts), "0 ≤ idle ≤ TDP");
        return idleWatts + ((tdpWatts - idleWatts) * utilization);
    }

    /// <summary>Facility energy of <paramref name="devices"/> drawing <paramref name="powerWatts"/> each for <paramref name="hours"/>, times PUE, kWh.</summary>
    public static double EnergyKWh(double devices, double hours, double powerWatts, double pue)
    {
        Check(pue >= 1, nameof(pue), "must be ≥ 1");
        return devices * hours * powerWatts * pue / 1000;
    }

    /// <summary>Device-hours × price; spot pays again for the share of work interruptions lose.</summary>
    public static double CloudCostUsd(double devices, double hours, double usdPerDeviceHour, double interruptionShare = 0)
    {
        Check(interruptionShare is >= 0 and < 1, nameof(interruptionShare), "must be in [0, 1)");
        return devices * hours * usdPerDeviceHour / (1 - interruptionShare);
    }

    /// <summary>Owned hardware over <paramref name="months"/>: purchase amortized over its life, hosting, and the electricity it draws.</summary>
    public static double OwnedCostUsd(double devices, double purchaseUsd, double lifeYears, double hostingUsdPerMonth, double energyKWh, double usdPerKWh, double months = 1)
    {
        Check(lifeYears > 0, nameof(lifeYears), "must be > 0");
        return (devices * ((purchaseUsd / (lifeYears * 12)) + hostingUsdPerMonth) * months) + (energyKWh * usdPerKWh);
    }

    /// <summary>Operational carbon: energy × grid intensity, kg CO2e.</summary>
    public static double OperationalCarbonKg(double energyKWh, double gramsCo2PerKWh) => energyKWh * gramsCo2PerKWh / 1000;

    /// <summary>Embodied carbon amortized over the device's life: devices × embodied / (life in months) × months, kg CO2e.</summary>
    public static double EmbodiedCarbonKg(double devices, double embodiedKgPerDevice, double lifeYears, double months = 1)
    {
        Check(lifeYears > 0, nameof(lifeYears), "must be > 0");
        return devices * embodiedKgPerDevice / (lifeYears * 12) * months;
    }

    /// <summary>A price after <paramref name="month"/> months of a yearly decline (compounding monthly).</summary>
    public static double PriceAfterDecline(double price, double declinePercentPerYear, int month) =>
        price * Math.Pow(1 - (declinePercentPerYear / 100), month / 12.0);

    /// <summary>
    /// Operational carbon of a day whose load follows <paramref name="hourlyLoad"/> (relative to the peak,
    /// 24 values) on a grid whose intensity follows <paramref name="hourlyGramsCo2PerKWh"/>: each hour's energy
    /// meets that hour's intensity. Returns kg CO2e per day.
    /// </summary>
    public static double DailyOperationalCarbonKg(double devices, double idleWatts, double tdpWatts, double peakUtilization, double pue,
        IReadOnlyList<double> hourlyLoad, IReadOnlyList<double> hourlyGramsCo2PerKWh)
    {
        ArgumentNullException.ThrowIfNull(hourlyLoad);
        ArgumentNullException.ThrowIfNull(hourlyGramsCo2PerKWh);
        Check(hourlyLoad.Count == 24 && hourlyGramsCo2PerKWh.Count == 24, nameof(hourlyLoad), "both profiles need 24 hourly values");
        var kg = 0.0;
        for (var h = 0; h < 24; h++)
        {
            var power = PowerWatts(idleWatts, tdpWatts, Math.Min(1, peakUtilization * hourlyLoad[h]));
            kg += OperationalCarbonKg(EnergyKWh(devices, 1, power, pue), hourlyGramsCo2PerKWh[h]);
        }

        return kg;
    }

    private static void Check(bool ok, string name, string reason)
    {
        if (!ok)
        {
            throw new ArgumentOutOfRangeException(name, reason);
        }
    }
}
