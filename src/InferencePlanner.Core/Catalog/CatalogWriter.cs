using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace InferencePlanner.Core.Catalog;

/// <summary>
/// Writes a catalog as the four files <see cref="CatalogLoader"/> reads, so that a team's catalog (the shipped one
/// with its edits) can leave the dashboard and be read by the command line (<c>--data</c>). <c>local-cpu</c> is
/// left out: it describes whatever machine reads the files.
/// </summary>
public static class CatalogWriter
{
    private static readonly JsonSerializerOptions WriteOptions = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static void Write(DeviceCatalog catalog, string directory)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(directory);
        Directory.CreateDirectory(directory);
        var sources = catalog.Sources.Where(s => s.Key != LocalMachine.SourceKey).ToDictionary(s => s.Key, s => s.Value, StringComparer.Ordinal);
        Save(directory, CatalogLoader.SourcesFile, new { sources });
        Save(directory, CatalogLoader.DevicesFile, new { devices = catalog.Devices.Where(d => d.Id != LocalMachine.DeviceId) });
        Save(directory, CatalogLoader.PricesFile, new { prices = catalog.Prices });
        Save(directory, CatalogLoader.RegionsFile, new { regions = catalog.Regions });
    }

    private static void Save(string directory, string file, object document) =>
        File.WriteAllText(Path.Combine(directory, file), JsonSerializer.Serialize(document, WriteOptions) + Environment.NewLine);
}
