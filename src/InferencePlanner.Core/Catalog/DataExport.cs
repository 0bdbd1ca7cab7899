using System.IO.Compression;
using InferencePlanner.Core.Profiles;

namespace InferencePlanner.Core.Catalog;

/// <summary>
/// A team's data as one zip: <c>catalog/</c> (the catalog with the team's edits, as <see cref="CatalogWriter"/>
/// writes it) and <c>profiles/</c> (every profile, shipped and saved, one file each). Unpacked, it is what the
/// command line reads with <c>--data DIR</c>, so that both give the same figures for the same scenario.
/// </summary>
public static class DataExport
{
    public const string CatalogFolder = "catalog";
    public const string ProfilesFolder = "profiles";

    public static void Write(DeviceCatalog catalog, IEnumerable<ThroughputProfile> profiles, Stream zip)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(profiles);
        ArgumentNullException.ThrowIfNull(zip);
        var staging = Directory.CreateTempSubdirectory("inferenceplanner-export-");
        try
        {
            CatalogWriter.Write(catalog, Path.Combine(staging.FullName, CatalogFolder));
            var profileFolder = Directory.CreateDirectory(Path.Combine(staging.FullName, ProfilesFolder));
            var taken = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var profile in profiles.OrderBy(p => p.Id, StringComparer.Ordinal))
            {
                // Two ids that differ only in replaced characters or case ('a/b', 'a_b', 'A_B') keep a file each.
                var name = FileName(profile.Id);
                for (var n = 2; !taken.Add(name); n++)
                {
                    name = $"{Path.GetFileNameWithoutExtension(FileName(profile.Id))}-{n.ToString(System.Globalization.CultureInfo.InvariantCulture)}.json";
                }

                File.WriteAllText(Path.Combine(profileFolder.FullName, name), ProfileStore.Write(profile));
            }

            using var archive = new ZipArchive(zip, ZipArchiveMode.Create, leaveOpen: true);
            foreach (var file in Directory.GetFiles(staging.FullName, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                var entry = Path.GetRelativePath(staging.FullName, file).Replace(Path.DirectorySeparatorChar, '/');
                archive.CreateEntryFromFile(file, entry, CompressionLevel.Optimal);
            }
        }
        finally
        {
            staging.Delete(recursive: true);
        }
    }

    /// <summary>A profile's file name: its id, with anything but letters, digits, '-', '_' and '.' replaced.</summary>
    public static string FileName(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        var safe = new string([.. id.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_')]);
        return safe.TrimStart('.') + ".json";
    }
}
