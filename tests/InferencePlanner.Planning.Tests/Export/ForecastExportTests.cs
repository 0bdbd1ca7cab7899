using System.Globalization;
using System.IO.Compression;
using System.Xml.Linq;
using InferencePlanner.Core.Catalog;
using InferencePlanner.Core.Scenarios;
using InferencePlanner.Planning.Export;
using InferencePlanner.Planning.Forecasting;
using Microsoft.VisualBasic.FileIO;

namespace InferencePlanner.Planning.Tests.Export;

/// <summary>
/// The finance export: words and units in the headers, the P10/P50/P90 bands of every month and of the totals, the
/// autoscaling comparison, number formats in the workbook, and an assumptions sheet with each price and its source.
/// </summary>
public sealed class ForecastExportTests
{
    private static readonly Lazy<DeviceCatalog> Catalog = new(() => CatalogLoader.Load(RepositoryPaths.Catalog));

    /// <summary>The chatbot demo over four months: uncertain growth (bands) and autoscaling.</summary>
    private static readonly Lazy<ForecastResult> Chatbot = new(() =>
    {
        var demo = ScenarioJson.Load(Path.Combine(RepositoryPaths.Root, "data", "scenarios", "chatbot-growth.json"));
        return new Forecaster(Catalog.Value).Forecast(demo with { Growth = demo.Growth! with { Months = 4 } }, new ForecastOptions { SizingQueries = 3_000 });
    });

    private static List<string[]> Csv(string text)
    {
        using var parser = new TextFieldParser(new StringReader(text)) { Delimiters = [","], HasFieldsEnclosedInQuotes = true };
        var rows = new List<string[]>();
        while (!parser.EndOfData)
        {
            rows.Add(parser.ReadFields()!);
        }

        return rows;
    }

    private static double Number(string cell) => double.Parse(cell, CultureInfo.InvariantCulture);

    [Fact]
    public void Csv_HasHumanHeadersWithUnits_TheBands_TheAutoscaling_AndTotals()
    {
        var forecast = Chatbot.Value;
        var rows = Csv(ForecastExport.ToCsv(forecast));
        var header = rows[0];
        int At(string column) => Array.IndexOf(header, column) is >= 0 and var i ? i : throw new InvalidOperationException($"no column '{column}' in {string.Join(" | ", header)}");

        Assert.Equal(forecast.Months.Count + 2, rows.Count);
        foreach (var column in new[] { "Cost (USD)", "Cost P10 (USD)", "Cost P50 (USD)", "Cost P90 (USD)", "Energy (kWh)", "Carbon (kg CO2e)", "Utilization (%)", "Saving by autoscaling (USD)" })
        {
            Assert.Contains(column, header);
        }

        for (var m = 0; m < forecast.Months.Count; m++)
        {
            var month = forecast.Months[m];
            var row = rows[m + 1];
            Assert.Equal(month.CostUsd!.Value, Number(row[At("Cost (USD)")]));
            Assert.Equal(month.CostBand!.P10, Number(row[At("Cost P10 (USD)")]));
            Assert.Equal(month.CostBand.P90, Number(row[At("Cost P90 (USD)")]));
            Assert.Equal(month.Utilization * 100, Number(row[At("Utilization (%)")]), 12); // a percent column holds percents
            Assert.Equal(month.Autoscaling!.CostSavingUsd!.Value, Number(row[At("Saving by autoscaling (USD)")]));
        }

        // The totals row: sums, and the bands of the horizon as the months' percentiles summed.
        var total = rows[^1];
        Assert.Equal("total", total[0]);
        Assert.Equal(forecast.Totals.CostUsd!.Value, Number(total[At("Cost (USD)")]));
        Assert.Equal(forecast.Months.Sum(m => m.CostBand!.P10), Number(total[At("Cost P10 (USD)")]), 1e-9);
        Assert.Equal(forecast.Months.Sum(m => m.CostBand!.P90), Number(total[At("Cost P90 (USD)")]), 1e-9);
        Assert.Equal(forecast.Months.Sum(m => m.EnergyKWh), Number(total[At("Energy (kWh)")]), 1e-9);
        Assert.Equal(forecast.Months.Sum(m => m.Autoscaling!.CostSavingUsd!.Value), Number(total[At("Saving by autoscaling (USD)")]), 1e-9);
        Assert.Equal(string.Empty, total[At("Utilization (%)")]); // not a sum: left empty
        Assert.True(forecast.Totals.CostBand!.P10 <= forecast.Totals.CostBand.P50 && forecast.Totals.CostBand.P50 <= forecast.Totals.CostBand.P90);
    }

    [Fact]
    public void Xlsx_HasFourSheets_NumbersAsNumbers_WithCurrencyThousandsAndPercentFormats()
    {
        using var stream = new MemoryStream();
        ForecastExport.ToXlsx(Chatbot.Value, stream);
        stream.Position = 0;

        Assert.Equal(["Months", "Pools", "Totals", "Assumptions"], MiniExcelLibs.MiniExcel.GetSheetNames(stream));
        stream.Position = 0;
        var formats = CellFormats(stream, "xl/worksheets/sheet1.xml");
        Assert.Contains("$", formats["Cost (USD)"], StringComparison.Ordinal);
        Assert.Contains("#,##0", formats["Cost (USD)"], StringComparison.Ordinal);
        Assert.Contains("$", formats["Cost P90 (USD)"], StringComparison.Ordinal);
        Assert.Equal("#,##0", formats["Energy (kWh)"]);
        Assert.Equal("0.0%", formats["Utilization (%)"]);

        stream.Position = 0;
        var months = MiniExcelLibs.MiniExcel.Query(stream, useHeaderRow: true, sheetName: "Months").Cast<IDictionary<string, object>>().ToList();
        Assert.Equal(Chatbot.Value.Months[2].Utilization, Convert.ToDouble(months[2]["Utilization (%)"], CultureInfo.InvariantCulture), 12); // a share, shown as a percent
        stream.Position = 0;
        var totals = MiniExcelLibs.MiniExcel.Query(stream, useHeaderRow: true, sheetName: "Totals").Cast<IDictionary<string, object>>().Single();
        Assert.Equal(Chatbot.Value.Totals.CostBand!.P50, Convert.ToDouble(totals["Cost P50 (USD)"], CultureInfo.InvariantCulture), 6);
    }

    [Fact]
    public void Assumptions_NameEachPriceAndItsSource_TheEnergyBoundary_AndHowTheBandsWereMade()
    {
        var rows = ForecastExport.AssumptionRows(Chatbot.Value);
        string? Text(IDictionary<string, object?> row) => row["Assumption or source"] as string;

        var prices = rows.Where(r => (string?)r["Kind"] == "price").ToList();
        Assert.Equal(2, prices.Count); // the H100 and the L4 pools
        Assert.All(prices, p =>
        {
            Assert.Contains("USD per device-hour in the first month; the catalog's price: ", Text(p), StringComparison.Ordinal);
            Assert.Contains(" on-demand in aws-us-east-1", Text(p), StringComparison.Ordinal);
            Assert.Contains("; source: ", Text(p), StringComparison.Ordinal); // the citation and its date
        });
        Assert.Contains(rows, r => (string?)r["Kind"] == "energy" && Text(r)!.StartsWith("energy boundary: the facility", StringComparison.Ordinal));
        Assert.Contains(rows, r => (string?)r["Kind"] == "bands");
    }

    [Fact]
    public void Assumptions_NameAnUnknownCost_AndTheExportLeavesItEmpty()
    {
        var demo = ScenarioJson.Load(Path.Combine(RepositoryPaths.Root, "data", "scenarios", "chatbot-growth.json"));
        var mi300x = demo with
        {
            Pools = [demo.Pools![0] with { Device = "amd-mi300x", Region = "azure-eastus" }],
            Growth = demo.Growth! with { Months = 2, MonthlyGrowthSdPercent = null },
            Economics = demo.Economics! with { Autoscaling = null },
        };
        var forecast = new Forecaster(Catalog.Value).Forecast(mi300x, new ForecastOptions { SizingQueries = 3_000 });

        var unknown = Assert.Single(ForecastExport.AssumptionRows(forecast), r => (string?)r["Kind"] == "unknown cost");
        Assert.StartsWith("its cost is unknown", (string)unknown["Assumption or source"]!, StringComparison.Ordinal);
        var rows = Csv(ForecastExport.ToCsv(forecast));
        var cost = Array.IndexOf(rows[0], "Cost (USD)");
        Assert.All(rows.Skip(1), r => Assert.Equal(string.Empty, r[cost]));
        Assert.DoesNotContain(rows[0], h => h.Contains("P10", StringComparison.Ordinal)); // no uncertain growth, no band columns
    }

    /// <summary>The number format of each column's first data cell, by its header, read from the sheet's XML.</summary>
    private static Dictionary<string, string> CellFormats(Stream xlsx, string sheet)
    {
        using var zip = new ZipArchive(xlsx, ZipArchiveMode.Read, leaveOpen: true);
        XNamespace x = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
        var styles = XDocument.Load(zip.GetEntry("xl/styles.xml")!.Open());
        var numFmts = styles.Descendants(x + "numFmt").ToDictionary(n => (int)n.Attribute("numFmtId")!, n => (string)n.Attribute("formatCode")!);
        var xfs = styles.Descendants(x + "cellXfs").Single().Elements(x + "xf").Select(xf => (int)xf.Attribute("numFmtId")!).ToList();
        var rows = XDocument.Load(zip.GetEntry(sheet)!.Open()).Descendants(x + "row").ToList();
        var headers = rows[0].Elements(x + "c").Select(c => (string)c.Element(x + "v")!).ToList();
        var first = rows[1].Elements(x + "c").ToList();
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < headers.Count; i++)
        {
            var style = (int?)first[i].Attribute("s") ?? 0;
            result[headers[i]] = numFmts.TryGetValue(xfs[style], out var code) ? code : $"builtin {xfs[style]}";
        }

        return result;
    }
}
