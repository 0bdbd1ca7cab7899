using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace InferencePlanner.Core.Catalog;

/// <summary>
/// Reads the catalog's JSON files (<c>sources.json</c>, <c>devices.json</c>, <c>prices.json</c>,
/// <c>regions.json</c>), checks every entry, and adds <c>local-cpu</c>, described from the running machine.
/// </summary>
public static partial class CatalogLoader
{
    public const string SourcesFile = "sources.json";
    public const string DevicesFile = "devices.json";
    public const string PricesFile = "prices.json";
    public const string RegionsFile = "regions.json";

    /// <summary>Environment variable that points at a catalog folder other than the shipped one.</summary>
    public const string DirectoryVariable = "INFERENCEPLANNER_CATALOG";

    internal static readonly JsonSerializerOptions ReadOptions = new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        RespectRequiredConstructorParameters = true,
        RespectNullableAnnotations = true,
        AllowTrailingCommas = false,
        ReadCommentHandling = JsonCommentHandling.Disallow,
        NumberHandling = JsonNumberHandling.Strict,
    };

    /// <summary>Loads the catalog from <paramref name="directory"/>, or from <see cref="DefaultDirectory"/>.</summary>
    public static DeviceCatalog Load(string? directory = null, HostDescription? host = null)
    {
        directory ??= DefaultDirectory();
        var sources = Read<SourcesDocument>(directory, SourcesFile).Sources
            ?? throw new CatalogException(SourcesFile, "document", "sources", "is missing");
        var devices = Read<DevicesDocument>(directory, DevicesFile).Devices
            ?? throw new CatalogException(DevicesFile, "document", "devices", "is missing");
        var prices = Read<PricesDocument>(directory, PricesFile).Prices
            ?? throw new CatalogException(PricesFile, "document", "prices", "is missing");
        var regions = Read<RegionsDocument>(directory, RegionsFile).Regions
            ?? throw new CatalogException(RegionsFile, "document", "regions", "is missing");

        CatalogValidator.Validate(sources, devices, prices, regions);

        host ??= LocalMachine.Describe();
        var withLocal = devices.Append(LocalMachine.AsDevice(host)).ToList();
        var allSources = new Dictionary<string, Source>(sources, StringComparer.Ordinal)
        {
            [LocalMachine.SourceKey] = new Source(
                "read from the running machine at start (/proc/cpuinfo, /proc/meminfo, .NET runtime)",
                host.ReadAt.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)),
        };
        return new DeviceCatalog(allSources, withLocal, prices, regions);
    }

    /// <summary>
    /// The catalog folder: <c>$INFERENCEPLANNER_CATALOG</c>, else <c>data/catalog</c> beside the program,
    /// else the repository's <c>data/catalog</c> found by walking up from the program's folder.
    /// </summary>
    public static string DefaultDirectory()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable(DirectoryVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            return fromEnvironment;
        }

        return DataFolders.Find("catalog", DevicesFile) ?? throw new CatalogException(
            $"No catalog found: set {DirectoryVariable} or keep data/catalog beside the program ({AppContext.BaseDirectory}).");
    }

    private static T Read<T>(string directory, string file)
        where T : class
    {
        var path = Path.Combine(directory, file);
        if (!File.Exists(path))
        {
            throw new CatalogException(file, "document", "(file)", $"not found at {path}");
        }

        try
        {
            using var stream = File.OpenRead(path);
            return JsonSerializer.Deserialize<T>(stream, ReadOptions)
                ?? throw new CatalogException(file, "document", "(root)", "is null");
        }
        catch (JsonException ex)
        {
            var jsonPath = ex.Path ?? "$";
            var reason = FirstSentence(ex.Message);
            var missing = MissingPropertyPattern().Match(reason);
            if (missing.Success)
            {
                jsonPath = $"{jsonPath}.{missing.Groups[1].Value}";
                reason = "is required but missing";
            }

            var line = ex.LineNumber is { } l ? $" (line {l + 1})" : string.Empty;
            var (entry, field) = SplitPath(jsonPath);
            throw new CatalogException(file, entry, field, $"{reason}{line}");
        }
    }

    // "$.devices[3].tdpWatts.value" → ("devices[3]", "tdpWatts.value")
    private static (string Entry, string Field) SplitPath(string jsonPath)
    {
        var trimmed = jsonPath.StartsWith("$.", StringComparison.Ordinal) ? jsonPath[2..] : jsonPath.TrimStart('$');
        var close = trimmed.IndexOf(']', StringComparison.Ordinal);
        if (close < 0)
        {
            return ("document", trimmed.Length == 0 ? "(root)" : trimmed);
        }

        var field = trimmed[(close + 1)..].TrimStart('.');
        return (trimmed[..(close + 1)], field.Length == 0 ? "(entry)" : field);
    }

    private static string FirstSentence(string message)
    {
        var end = message.IndexOf(". Path:", StringComparison.Ordinal);
        return end > 0 ? message[..end] : message;
    }

    [GeneratedRegex("missing required properties including: '([^']+)'", RegexOptions.CultureInvariant)]
    private static partial Regex MissingPropertyPattern();

    private sealed record SourcesDocument(Dictionary<string, Source>? Sources);

    private sealed record DevicesDocument(List<Device>? Devices);

    private sealed record PricesDocument(List<Price>? Prices);

    private sealed record RegionsDocument(List<Region>? Regions);
}
