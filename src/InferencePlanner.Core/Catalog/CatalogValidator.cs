using System.Text.RegularExpressions;

namespace InferencePlanner.Core.Catalog;

/// <summary>Checks what JSON shape alone cannot: ranges, provenance, identifiers and cross-references.</summary>
internal static partial class CatalogValidator
{
    public static void Validate(
        IReadOnlyDictionary<string, Source> sources,
        IReadOnlyList<Device> devices,
        IReadOnlyList<Price> prices,
        IReadOnlyList<Region> regions)
    {
        foreach (var (key, source) in sources)
        {
            var entry = $"sources['{key}']";
            if (!IdPattern().IsMatch(key))
            {
                throw new CatalogException(CatalogLoader.SourcesFile, entry, "(key)", "must be lowercase kebab-case");
            }

            Require(CatalogLoader.SourcesFile, entry, "citation", source.Citation);
            Require(CatalogLoader.SourcesFile, entry, "date", source.Date);
        }

        var deviceIds = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < devices.Count; i++)
        {
            var d = devices[i];
            var entry = EntryName("devices", i, d.Id);
            const string file = CatalogLoader.DevicesFile;
            CheckId(file, entry, "id", d.Id);
            if (d.Id == LocalMachine.DeviceId)
            {
                throw new CatalogException(file, entry, "id", $"'{LocalMachine.DeviceId}' is described from the running machine and may not be listed");
            }

            if (!deviceIds.Add(d.Id))
            {
                throw new CatalogException(file, entry, "id", "duplicates an earlier device");
            }

            Require(file, entry, "name", d.Name);
            Require(file, entry, "vendor", d.Vendor);
            if (!Enum.IsDefined(d.FormFactor))
            {
                throw new CatalogException(file, entry, "formFactor", "must be datacenter, edge or cpu");
            }

            CheckFact(file, entry, "peakFp16Tflops", d.PeakFp16Tflops, sources);
            CheckFact(file, entry, "peakFp8Tflops", d.PeakFp8Tflops, sources);
            CheckFact(file, entry, "peakInt8Tops", d.PeakInt8Tops, sources);
            CheckFact(file, entry, "memoryGb", d.MemoryGb, sources);
            CheckFact(file, entry, "memoryBandwidthGBps", d.MemoryBandwidthGBps, sources);
            CheckFact(file, entry, "tdpWatts", d.TdpWatts, sources);
            CheckFact(file, entry, "idleWatts", d.IdleWatts, sources);
            CheckFact(file, entry, "embodiedKgCo2e", d.EmbodiedKgCo2e, sources);
            CheckFact(file, entry, "achievableBf16MatmulTflops", d.AchievableBf16MatmulTflops, sources);
            CheckFact(file, entry, "achievableFp8MatmulTflops", d.AchievableFp8MatmulTflops, sources);
            CheckFact(file, entry, "interconnectGBps", d.InterconnectGBps, sources);

            if (d.IdleWatts.Effective is { } idle && d.TdpWatts.Effective is { } tdp && idle > tdp)
            {
                throw new CatalogException(file, entry, "idleWatts", $"{idle} W exceeds the TDP of {tdp} W");
            }
        }

        var regionIds = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < regions.Count; i++)
        {
            var r = regions[i];
            var entry = EntryName("regions", i, r.Id);
            const string file = CatalogLoader.RegionsFile;
            Require(file, entry, "id", r.Id);
            if (!RegionIdPattern().IsMatch(r.Id))
            {
                throw new CatalogException(file, entry, "id", $"'{r.Id}' must be a provider prefix and the provider's name, e.g. aws-us-east-1 or grid-FR");
            }

            if (!regionIds.Add(r.Id))
            {
                throw new CatalogException(file, entry, "id", "duplicates an earlier region");
            }

            if (r.Provider is not ("aws" or "gcp" or "azure" or "grid"))
            {
                throw new CatalogException(file, entry, "provider", $"'{r.Provider}' is not one of aws, gcp, azure, grid");
            }

            if (!r.Id.StartsWith(r.Provider + "-", StringComparison.Ordinal))
            {
                throw new CatalogException(file, entry, "id", $"must start with its provider prefix '{r.Provider}-'");
            }

            Require(file, entry, "name", r.Name);
            CheckFact(file, entry, "gridGramsCo2PerKwh", r.GridGramsCo2PerKwh, sources);
            CheckFact(file, entry, "pue", r.Pue, sources);
            CheckFact(file, entry, "electricityUsdPerKwh", r.ElectricityUsdPerKwh, sources);
            if (r.Pue.Effective is < 1.0)
            {
                throw new CatalogException(file, entry, "pue", $"{r.Pue.Effective} is below 1, which no facility can reach");
            }
        }

        var priceKeys = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < prices.Count; i++)
        {
            var p = prices[i];
            var entry = EntryName("prices", i, $"{p.Provider} {p.InstanceType} {Pricings.NameOf(p.Pricing)}");
            const string file = CatalogLoader.PricesFile;
            if (!priceKeys.Add(CatalogOverlay.PriceKey(p)))
            {
                throw new CatalogException(file, entry, "pricing", "duplicates an earlier price of the same device, provider, instance, region, pricing and note");
            }

            if (!deviceIds.Contains(p.DeviceId))
            {
                throw new CatalogException(file, entry, "deviceId", $"'{p.DeviceId}' is not a device of {CatalogLoader.DevicesFile}");
            }

            if (!regionIds.Contains(p.Region))
            {
                throw new CatalogException(file, entry, "region", $"'{p.Region}' is not a region of {CatalogLoader.RegionsFile}");
            }

            Require(file, entry, "provider", p.Provider);
            Require(file, entry, "instanceType", p.InstanceType);
            if (p.AcceleratorsPerInstance < 1)
            {
                throw new CatalogException(file, entry, "acceleratorsPerInstance", "must be at least 1");
            }

            if (!Enum.IsDefined(p.Pricing))
            {
                throw new CatalogException(file, entry, "pricing", $"must be one of {string.Join(", ", Pricings.All)}");
            }

            CheckFact(file, entry, "usdPerAcceleratorHour", p.UsdPerAcceleratorHour, sources);
        }
    }


    private static string EntryName(string array, int index, string? id) =>
        string.IsNullOrWhiteSpace(id) ? $"{array}[{index}]" : $"{array}[{index}] '{id}'";

    private static void CheckId(string file, string entry, string field, string? id)
    {
        Require(file, entry, field, id);
        if (!IdPattern().IsMatch(id!))
        {
            throw new CatalogException(file, entry, field, $"'{id}' must be lowercase letters, digits and single hyphens");
        }
    }

    private static void Require(string file, string entry, string field, string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new CatalogException(file, entry, field, "is missing or empty");
        }
    }

    private static void CheckFact(string file, string entry, string field, Fact? fact, IReadOnlyDictionary<string, Source> sources)
    {
        if (fact is null)
        {
            return; // not applicable to this hardware
        }

        if (fact.Value is { } value)
        {
            CheckNumber(file, entry, $"{field}.value", value);
            if (string.IsNullOrWhiteSpace(fact.Source))
            {
                throw new CatalogException(file, entry, $"{field}.source", "a known value must name its source");
            }
        }
        else
        {
            if (string.IsNullOrWhiteSpace(fact.Assumption))
            {
                throw new CatalogException(file, entry, $"{field}.assumption", "an unknown value must state the assumption used instead");
            }

            if (fact.Assumed is { } assumed)
            {
                CheckNumber(file, entry, $"{field}.assumed", assumed);
            }
        }

        if (fact.Source is { } key && !sources.ContainsKey(key))
        {
            throw new CatalogException(file, entry, $"{field}.source", $"'{key}' is not a key of {CatalogLoader.SourcesFile}");
        }
    }

    private static void CheckNumber(string file, string entry, string field, double value)
    {
        if (!double.IsFinite(value))
        {
            throw new CatalogException(file, entry, field, "must be a finite number");
        }

        if (value < 0)
        {
            throw new CatalogException(file, entry, field, $"{value} is negative");
        }
    }

    [GeneratedRegex("^[a-z0-9]+(-[a-z0-9]+)*$", RegexOptions.CultureInvariant)]
    private static partial Regex IdPattern();

    [GeneratedRegex("^[a-z0-9]+(-[A-Za-z0-9]+)*$", RegexOptions.CultureInvariant)]
    private static partial Regex RegionIdPattern();
}
