using System.Globalization;
using System.Text;
using InferencePlanner.Planning.Forecasting;
using MiniExcelLibs;
using MiniExcelLibs.Attributes;
using MiniExcelLibs.OpenXml;

namespace InferencePlanner.Planning.Export;

/// <summary>
/// The forecast as a finance team takes it: CSV, an aligned text table, or an XLSX workbook (Months, Pools, Totals,
/// Assumptions). Headers are words with their units ("Cost (USD)", "Energy (kWh)"); under uncertain growth every
/// month and the totals carry their P10 / P50 / P90; with autoscaling, its comparison. An unknown figure (a cost
/// without a price) is an empty cell, or "unknown" in the table — never a zero.
/// </summary>
public static class ForecastExport
{
    /// <summary>How a column's numbers are shown in the workbook (the CSV writes them plain; percents as 0–100).</summary>
    private enum Kind
    {
        Text,
        Whole,
        Decimal,
        Fine,
        Usd,
        UsdCents,
        Percent,
    }

    /// <summary>A column: its header (with the unit), how its numbers are shown, its value, and its total over the months (if it sums).</summary>
    private sealed record Column<T>(string Header, Kind Kind, Func<T, object?> Value, Func<ForecastResult, object?>? Total = null);

    private static readonly Dictionary<Kind, string> Formats = new()
    {
        [Kind.Whole] = "#,##0",
        [Kind.Decimal] = "#,##0.0",
        [Kind.Fine] = "#,##0.000",
        [Kind.Usd] = "\"$\"#,##0",
        [Kind.UsdCents] = "\"$\"#,##0.00",
        [Kind.Percent] = "0.0%",
    };

    private static List<Column<MonthForecast>> MonthColumns(ForecastResult forecast)
    {
        var bands = forecast.Months.Any(m => m.PeakRateBand is not null);
        var autoscaling = forecast.Months.Any(m => m.Autoscaling is not null);
        var columns = new List<Column<MonthForecast>>
        {
            new("Month", Kind.Whole, m => m.Month),
            new("Peak rate (queries/s)", Kind.Decimal, m => m.PeakRatePerSecond),
        };
        if (bands)
        {
            columns.Add(new("Peak rate P10 (queries/s)", Kind.Decimal, m => m.PeakRateBand?.P10));
            columns.Add(new("Peak rate P90 (queries/s)", Kind.Decimal, m => m.PeakRateBand?.P90));
        }

        columns.AddRange(
        [
            new("Servers", Kind.Whole, m => m.Unmet is null ? m.Pools.Sum(p => p.Count) : null),
            new("Utilization (%)", Kind.Percent, m => m.Unmet is null ? m.Utilization : null),
            new("Latency p50 (ms)", Kind.Decimal, m => m.Unmet is null ? m.LatencyMsP50 : null),
            new("Latency p99 (ms)", Kind.Decimal, m => m.Unmet is null ? m.LatencyMsP99 : null),
            new("SLO", Kind.Text, m => m.Unmet is not null ? "cannot be met" : m.SloMet ? "met" : "missed"),
            new("Queries", Kind.Whole, m => m.Queries, f => f.Totals.Queries),
            new("Cost (USD)", Kind.Usd, m => m.CostUsd, f => f.Totals.CostUsd),
        ]);
        if (bands)
        {
            columns.Add(new("Cost P10 (USD)", Kind.Usd, m => m.CostBand?.P10, f => f.Totals.CostBand?.P10));
            columns.Add(new("Cost P50 (USD)", Kind.Usd, m => m.CostBand?.P50, f => f.Totals.CostBand?.P50));
            columns.Add(new("Cost P90 (USD)", Kind.Usd, m => m.CostBand?.P90, f => f.Totals.CostBand?.P90));
        }

        columns.AddRange(
        [
            new("Cost per 1M queries (USD)", Kind.UsdCents, m => m.CostPerMillionQueriesUsd,
                f => f.Totals.CostUsd is { } cost && f.Totals.Queries > 0 ? cost / (f.Totals.Queries / 1e6) : null),
            new("Energy (kWh)", Kind.Whole, m => m.Unmet is null ? m.EnergyKWh : null, f => f.Months.Sum(m => m.EnergyKWh)),
            new("Edge energy (kWh)", Kind.Whole, m => m.Unmet is null ? m.EdgeEnergyKWh : null, f => f.Months.Sum(m => m.EdgeEnergyKWh)),
        ]);
        if (bands)
        {
            columns.Add(new("Energy with edge P10 (kWh)", Kind.Whole, m => m.EnergyBand?.P10, f => f.Totals.EnergyBand?.P10));
            columns.Add(new("Energy with edge P50 (kWh)", Kind.Whole, m => m.EnergyBand?.P50, f => f.Totals.EnergyBand?.P50));
            columns.Add(new("Energy with edge P90 (kWh)", Kind.Whole, m => m.EnergyBand?.P90, f => f.Totals.EnergyBand?.P90));
        }

        columns.AddRange(
        [
            new("Operational carbon (kg CO2e)", Kind.Decimal, m => m.Unmet is null ? m.OperationalCarbonKg : null, f => f.Months.Sum(m => m.OperationalCarbonKg)),
            new("Embodied carbon (kg CO2e)", Kind.Decimal, m => m.Unmet is null ? m.EmbodiedCarbonKg : null, f => f.Months.Sum(m => m.EmbodiedCarbonKg)),
            new("Carbon (kg CO2e)", Kind.Decimal, m => m.Unmet is null ? m.CarbonKg : null, f => f.Totals.CarbonKg),
        ]);
        if (bands)
        {
            columns.Add(new("Carbon P10 (kg CO2e)", Kind.Decimal, m => m.CarbonBand?.P10, f => f.Totals.CarbonBand?.P10));
            columns.Add(new("Carbon P50 (kg CO2e)", Kind.Decimal, m => m.CarbonBand?.P50, f => f.Totals.CarbonBand?.P50));
            columns.Add(new("Carbon P90 (kg CO2e)", Kind.Decimal, m => m.CarbonBand?.P90, f => f.Totals.CarbonBand?.P90));
        }

        columns.Add(new("Carbon per query (g CO2e)", Kind.Fine, m => m.Unmet is null ? m.GramsCo2PerQuery : null,
            f => f.Totals.Queries > 0 ? f.Totals.CarbonKg * 1000 / f.Totals.Queries : null));
        if (autoscaling)
        {
            columns.AddRange(
            [
                new("Device-hours, static fleet", Kind.Whole, m => m.Autoscaling?.DeviceHoursStatic, f => Forecaster.KnownSum(f.Months.Select(m => m.Autoscaling?.DeviceHoursStatic))),
                new("Device-hours, autoscaled", Kind.Whole, m => m.Autoscaling?.DeviceHoursAutoscaled, f => Forecaster.KnownSum(f.Months.Select(m => m.Autoscaling?.DeviceHoursAutoscaled))),
                new("Cost, autoscaled (USD)", Kind.Usd, m => m.Autoscaling?.CostUsdAutoscaled, f => Forecaster.KnownSum(f.Months.Select(m => m.Autoscaling?.CostUsdAutoscaled))),
                new("Saving by autoscaling (USD)", Kind.Usd, m => m.Autoscaling?.CostSavingUsd, f => Forecaster.KnownSum(f.Months.Select(m => m.Autoscaling?.CostSavingUsd))),
                new("Carbon, autoscaled (kg CO2e)", Kind.Decimal, m => m.Autoscaling?.CarbonKgAutoscaled, f => Forecaster.KnownSum(f.Months.Select(m => m.Autoscaling?.CarbonKgAutoscaled))),
                new("Carbon saved by autoscaling (kg CO2e)", Kind.Decimal, m => m.Autoscaling?.CarbonSavingKg, f => Forecaster.KnownSum(f.Months.Select(m => m.Autoscaling?.CarbonSavingKg))),
            ]);
        }

        columns.Add(new("Why the SLO cannot be met", Kind.Text, m => m.Unmet));
        return columns;
    }

    private static readonly Column<(MonthForecast Month, PoolForecast Pool)>[] PoolColumns =
    [
        new("Month", Kind.Whole, r => r.Month.Month),
        new("Pool", Kind.Text, r => r.Pool.Name),
        new("Device", Kind.Text, r => r.Pool.Device),
        new("Region", Kind.Text, r => r.Pool.Region),
        new("Servers", Kind.Whole, r => r.Pool.Count),
        new("Servers the SLO needs", Kind.Whole, r => r.Pool.RequiredCount),
        new("Rate (queries/s)", Kind.Decimal, r => r.Pool.RatePerSecond),
        new("Utilization (%)", Kind.Percent, r => r.Pool.Utilization),
        new("Power activity (%)", Kind.Percent, r => r.Pool.PowerActivity),
        new("Pricing", Kind.Text, r => r.Pool.Pricing),
        new("Price (USD per device-hour)", Kind.Fine, r => r.Pool.UsdPerDeviceHour),
        new("Cost (USD)", Kind.Usd, r => r.Pool.CostUsd),
        new("Price source", Kind.Text, r => r.Pool.PriceSource),
        new("Energy (kWh)", Kind.Whole, r => r.Pool.EnergyKWh),
        new("Operational carbon (kg CO2e)", Kind.Decimal, r => r.Pool.OperationalCarbonKg),
        new("Embodied carbon (kg CO2e)", Kind.Decimal, r => r.Pool.EmbodiedCarbonKg),
    ];

    /// <summary>The Months sheet: one row per month, human headers with units, unknown figures null.</summary>
    public static IReadOnlyList<IDictionary<string, object?>> MonthRows(ForecastResult forecast)
    {
        ArgumentNullException.ThrowIfNull(forecast);
        return Rows(MonthColumns(forecast), forecast.Months);
    }

    /// <summary>The Pools sheet: one row per pool and month.</summary>
    public static IReadOnlyList<IDictionary<string, object?>> PoolRows(ForecastResult forecast)
    {
        ArgumentNullException.ThrowIfNull(forecast);
        return Rows(PoolColumns, forecast.Months.SelectMany(m => m.Pools.Select(p => (m, p))));
    }

    /// <summary>The Totals sheet: one row, the horizon's sums (with their bands and the autoscaling saving) under the Months sheet's headers.</summary>
    public static IReadOnlyList<IDictionary<string, object?>> TotalRows(ForecastResult forecast)
    {
        ArgumentNullException.ThrowIfNull(forecast);
        var row = new Dictionary<string, object?>(StringComparer.Ordinal) { ["Months"] = forecast.Months.Count };
        foreach (var column in MonthColumns(forecast).Where(c => c.Total is not null))
        {
            row[column.Header] = column.Total!(forecast);
        }

        return [row];
    }

    /// <summary>
    /// The Assumptions sheet: each price used (device, region, pricing, USD per device-hour in the first month and its
    /// source), each pool whose cost is unknown and why, the energy boundary and power model, how the bands were made,
    /// and every warning.
    /// </summary>
    public static IReadOnlyList<IDictionary<string, object?>> AssumptionRows(ForecastResult forecast)
    {
        ArgumentNullException.ThrowIfNull(forecast);
        var rows = new List<IDictionary<string, object?>>();
        void Add(string kind, string? item, string text) => rows.Add(new Dictionary<string, object?> { ["Kind"] = kind, ["Item"] = item, ["Assumption or source"] = text });

        foreach (var pool in forecast.Months.SelectMany(m => m.Pools).Where(p => !p.Edge).GroupBy(p => p.Name, StringComparer.Ordinal))
        {
            var first = pool.FirstOrDefault(p => p.Pricing is not null) ?? pool.First();
            var what = $"{pool.Key}: {first.Device ?? "no device"} in {first.Region ?? "no region"}, {first.Pricing ?? "no pricing"}";
            if (pool.Any(p => p.CostUsd is null && p.Count > 0))
            {
                Add("unknown cost", what, $"its cost is unknown, so the months' and the total cost are: {first.PriceSource ?? "no price"}");
            }
            else if (first.UsdPerDeviceHour is { } price)
            {
                Add("price", what, string.Create(CultureInfo.InvariantCulture, $"{price:0.####} USD per device-hour in the first month; the catalog's price: {first.PriceSource}"));
            }
        }

        foreach (var assumption in forecast.EnergyAssumptions)
        {
            Add("energy", null, assumption);
        }

        foreach (var whatIf in forecast.WhatIfs)
        {
            Add("what-if", null, whatIf);
        }

        foreach (var steps in forecast.StepTimes)
        {
            var colon = steps.IndexOf(": ", StringComparison.Ordinal);
            Add("step times", colon > 0 ? steps[..colon] : null, colon > 0 ? steps[(colon + 2)..] : steps);
        }

        if (forecast.Months.Any(m => m.PeakRateBand is not null))
        {
            Add("bands", null, "P10 / P50 / P90 of each month: the fleet sized at those percentiles of the uncertain growth; the totals' bands are the months' percentiles summed (each month at the same percentile)");
        }

        foreach (var warning in forecast.Warnings)
        {
            Add("warning", null, warning);
        }

        return rows;
    }

    /// <summary>The Months sheet as CSV (RFC 4180), with a last row of totals; percents as 0–100; unknown figures empty.</summary>
    public static string ToCsv(ForecastResult forecast)
    {
        ArgumentNullException.ThrowIfNull(forecast);
        var columns = MonthColumns(forecast);
        var text = new StringBuilder(string.Join(",", columns.Select(c => Cell(c.Header)))).Append('\n');
        foreach (var month in forecast.Months)
        {
            text.Append(string.Join(",", columns.Select(c => Cell(Plain(c, c.Value(month)))))).Append('\n');
        }

        // The totals, under the columns they sum; the rest of the row empty.
        text.Append(string.Join(",", columns.Select(c => c.Header == "Month" ? "total" : Cell(c.Total?.Invoke(forecast))))).Append('\n');
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

    /// <summary>A workbook with the sheets Months, Pools, Totals and Assumptions; numbers as numbers with their formats (currency, thousands, percent).</summary>
    public static void ToXlsx(ForecastResult forecast, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(forecast);
        ArgumentNullException.ThrowIfNull(stream);
        var formats = MonthColumns(forecast).Select(c => (c.Header, c.Kind))
            .Concat(PoolColumns.Select(c => (c.Header, c.Kind)))
            .Where(c => Formats.ContainsKey(c.Kind))
            .DistinctBy(c => c.Header, StringComparer.Ordinal)
            .Select(c => new DynamicExcelColumn(c.Header) { Format = Formats[c.Kind], Width = Math.Max(12, Math.Min(40, c.Header.Length + 2)) })
            .Append(new DynamicExcelColumn("Months") { Format = Formats[Kind.Whole] })
            .Append(new DynamicExcelColumn("Assumption or source") { Width = 120 })
            .Append(new DynamicExcelColumn("Item") { Width = 50 })
            .ToArray();
        var sheets = new Dictionary<string, object?>
        {
            ["Months"] = MonthRows(forecast),
            ["Pools"] = PoolRows(forecast),
            ["Totals"] = TotalRows(forecast),
            ["Assumptions"] = AssumptionRows(forecast),
        };
        stream.SaveAs(sheets, configuration: new OpenXmlConfiguration { DynamicColumns = formats });
    }

    private static List<IDictionary<string, object?>> Rows<T>(IReadOnlyList<Column<T>> columns, IEnumerable<T> items) =>
        [.. items.Select(item => (IDictionary<string, object?>)columns.ToDictionary(c => c.Header, c => c.Value(item), StringComparer.Ordinal))];

    /// <summary>A value as the CSV writes it: percents as 0–100 (the header says %), the rest as is.</summary>
    private static object? Plain<T>(Column<T> column, object? value) => column.Kind == Kind.Percent && value is double share ? share * 100 : value;

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
