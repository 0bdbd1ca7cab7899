using InferencePlanner.Core.Contracts;
using System.CommandLine;
using System.Text.Json;
using InferencePlanner.Core.Catalog;

namespace InferencePlanner.Cli.Commands;

/// <summary><c>inferenceplanner catalog [devices|regions|prices]</c>: the catalog as JSON, with the sources it cites.</summary>
internal static class CatalogCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr, CliData data)
    {
        var what = new Argument<string>("what")
        {
            Description = "Which part of the catalog: devices, regions or prices.",
            Arity = ArgumentArity.ZeroOrOne,
            DefaultValueFactory = _ => "devices",
        };
        what.AcceptOnlyFromAmong("devices", "regions", "prices");

        var directory = new Option<string?>("--catalog")
        {
            Description = $"A catalog folder other than the shipped one (also ${CatalogLoader.DirectoryVariable}); --data DIR reads DIR/catalog.",
        };

        var command = new Command("catalog", "Print the catalog (devices, regions or prices) as JSON, each value with its source.");
        command.Arguments.Add(what);
        command.Options.Add(directory);
        command.SetAction(parse =>
        {
            var catalog = parse.GetValue(directory) is { } folder ? CatalogLoader.Load(folder) : data.Catalog(parse);
            var part = parse.GetValue(what) ?? "devices";
            object document = part switch
            {
                "regions" => new { regions = catalog.Regions, sources = Cited(catalog, catalog.Regions.SelectMany(r => Facts(r))) },
                "prices" => new { prices = catalog.Prices, sources = Cited(catalog, catalog.Prices.Select(p => p.UsdPerAcceleratorHour)) },
                _ => new { devices = catalog.Devices, sources = Cited(catalog, catalog.Devices.SelectMany(d => Facts(d))) },
            };
            stdout.WriteLine(JsonSerializer.Serialize(document, ContractJson.Indented));
            stderr.Flush();
            return CliApp.Success;
        });
        return command;
    }

    private static IEnumerable<Fact?> Facts(Device d) =>
    [
        d.PeakFp16Tflops, d.PeakFp8Tflops, d.PeakInt8Tops, d.MemoryGb, d.MemoryBandwidthGBps, d.TdpWatts,
        d.IdleWatts, d.EmbodiedKgCo2e, d.AchievableBf16MatmulTflops, d.AchievableFp8MatmulTflops, d.InterconnectGBps,
    ];

    private static IEnumerable<Fact?> Facts(Region r) => [r.GridGramsCo2PerKwh, r.Pue, r.ElectricityUsdPerKwh];

    private static SortedDictionary<string, Source> Cited(DeviceCatalog catalog, IEnumerable<Fact?> facts)
    {
        var cited = new SortedDictionary<string, Source>(StringComparer.Ordinal);
        foreach (var fact in facts)
        {
            if (fact?.Source is { } key && catalog.Sources.TryGetValue(key, out var source))
            {
                cited[key] = source;
            }
        }

        return cited;
    }
}
