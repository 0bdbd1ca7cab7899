using System.Globalization;
using System.Text;
using InferencePlanner.Planning.Forecasting;
using MiniExcelLibs;

namespace InferencePlanner.Planning.Export;

/// <summary>
/// The forecast as a finance team takes it: CSV, an aligned text table, or an XLSX workbook. An unknown figure (a
/// cost without a price) is an empty cell, or "unknown" in the table — never a zero.
/// </summary>
public static class ForecastExport
{
    private static readonly string[] MonthColumns =
    [
        "month", "peakRatePerSecond", "servers", "utilization", "latencyMsP50", "latencyMsP99", "sloMet", "queries",
        "costUsd", "costPerMillionQueriesUsd", "energyKWh", "edgeEnergyKWh", "operationalCarbonKg", "embodiedCarbonKg", "carbonKg", "gramsCo2PerQuery", "unmet",
    ];

    public static IReadOnlyList<IDictionary<string, object?>> MonthRows(ForecastResult forecast)
    {
        ArgumentNullException.ThrowIfNull(forecast);
        return forecast.Months.Select(m => (IDictionary<string, object?>)new Dictionary<string, object?>
        {
            ["month"] = m.Month,
            ["peakRatePerSecond"] = m.PeakRatePerSecond,
            ["servers"] = m.Pools.Sum(p => p.Count),
            ["utilization"] = m.Utilization,
            ["latencyMsP50"] = m.LatencyMsP50,
            ["latencyMsP99"] = m.LatencyMsP99,
            ["sloMet"] = m.SloMet,
            ["queries"] = m.Queries,
            ["costUsd"] = m.CostUsd,
            ["costPerMillionQueriesUsd"] = m.CostPerMillionQueriesUsd,
            ["energyKWh"] = m.EnergyKWh,
            ["edgeEnergyKWh"] = m.EdgeEnergyKWh,
            ["operationalCarbonKg"] = m.OperationalCarbonKg,
            ["embodiedCarbonKg"] = m.EmbodiedCarbonKg,
            ["carbonKg"] = m.CarbonKg,
            ["gramsCo2PerQuery"] = m.GramsCo2PerQuery,
            ["unmet"] = m.Unmet ?? string.Empty,
        }).ToList();
    }

    public static IReadOnlyList<IDictionary<string, object?>> PoolRows(ForecastResult forecast)
    {
        ArgumentNullException.ThrowIfNull(forecast);
        return forecast.Months.SelectMany(m => m.Pools.Select(p => (IDictionary<string, object?>)new Dictionary<string, object?>
        {
            ["month"] = m.Month,
            ["pool"] = p.Name,
            ["device"] = p.Device ?? string.Empty,
            ["region"] = p.Region ?? string.Empty,
            ["count"] = p.Count,
            ["requiredCount"] = p.RequiredCount,
            ["ratePerSecond"] = p.RatePerSecond,
            ["utilization"] = p.Utilization,
            ["pricing"] = p.Pricing ?? string.Empty,
            ["usdPerDeviceHour"] = p.UsdPerDeviceHour,
            ["costUsd"] = p.CostUsd,
            ["priceSource"] = p.PriceSource ?? string.Empty,
            ["energyKWh"] = p.EnergyKWh,
            ["operationalCarbonKg"] = p.OperationalCarbonKg,
            ["embodiedCarbonKg"] = p.EmbodiedCarbonKg,
        })).ToList();
    }

    public static string ToCsv(ForecastResult forecast)
    {
        var rows = MonthRows(forecast);
        var text = new StringBuilder(string.Join(",", MonthColumns)).Append('\n');
        foreach (var row in rows)
        {
            text.Append(string.Join(",", MonthColumns.Select(c => Cell(row[c])))).Append('\n');
        }

        return text.ToString();
    }

    public static string ToTable(ForecastResult forecast)
    {
        ArgumentNullException.ThrowIfNull(forecast);
        string[] header = ["month", "peak q/s", "servers", "util", "p99 ms", "SLO", "cost USD", "USD/1M q", "kWh", "t CO2e", "g/query"];
        var rows = forecast.Months.Select(m => new[]
        {
            m.Month.ToString(CultureInfo.InvariantCulture),
            m.PeakRatePerSecond.ToString("N1", CultureInfo.InvariantCulture),
            m.Pools.Sum(p => p.Count).ToString(CultureInfo.InvariantCulture),
            m.Utilization.ToString("P0", CultureInfo.InvariantCulture),
            m.LatencyMsP99.ToString("N1", CultureInfo.InvariantCulture),
            m.Unmet is not null ? "UNMET" : m.SloMet ? "met" : "MISSED",
            Known(m.CostUsd, "N0"),
            Known(m.CostPerMillionQueriesUsd, "N2"),
            (m.EnergyKWh + m.EdgeEnergyKWh).ToString("N0", CultureInfo.InvariantCulture),
            (m.CarbonKg / 1000).ToString("N2", CultureInfo.InvariantCulture),
            m.GramsCo2PerQuery.ToString("G3", CultureInfo.InvariantCulture),
        }).ToList();
        rows.Add(["total", string.Empty, string.Empty, string.Empty, string.Empty, string.Empty,
            Known(forecast.Totals.CostUsd, "N0"), string.Empty,
            forecast.Totals.EnergyKWh.ToString("N0", CultureInfo.InvariantCulture),
            (forecast.Totals.CarbonKg / 1000).ToString("N2", CultureInfo.InvariantCulture), string.Empty]);
        var widths = header.Select((h, i) => Math.Max(h.Length, rows.Max(r => r[i].Length))).ToArray();
        var text = new StringBuilder();
        text.AppendLine(string.Join("  ", header.Select((h, i) => h.PadLeft(widths[i]))));
        foreach (var row in rows)
        {
            text.AppendLine(string.Join("  ", row.Select((c, i) => c.PadLeft(widths[i]))));
        }

        return text.ToString();
    }

    /// <summary>A workbook with the sheets Months, Pools and Totals.</summary>
    public static void ToXlsx(ForecastResult forecast, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(forecast);
        var sheets = new Dictionary<string, object?>
        {
            ["Months"] = MonthRows(forecast),
            ["Pools"] = PoolRows(forecast),
            ["Totals"] = new[]
            {
                new Dictionary<string, object?>
                {
                    ["costUsd"] = forecast.Totals.CostUsd,
                    ["energyKWh"] = forecast.Totals.EnergyKWh,
                    ["carbonKg"] = forecast.Totals.CarbonKg,
                    ["queries"] = forecast.Totals.Queries,
                },
            },
        };
        stream.SaveAs(sheets);
    }

    /// <summary>A figure, or "unknown" (never a zero) where it is not known.</summary>
    private static string Known(double? value, string format) => value?.ToString(format, CultureInfo.InvariantCulture) ?? "unknown";

    /// <summary>A CSV cell (RFC 4180: text with a comma, quote or line break is quoted); an unknown figure is an empty cell, never a zero.</summary>
    private static string Cell(object? value) => value switch
    {
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        string text when text.AsSpan().IndexOfAny(",\"\r\n") >= 0 => $"\"{text.Replace("\"", "\"\"", StringComparison.Ordinal)}\"",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value?.ToString() ?? string.Empty,
    };
}
