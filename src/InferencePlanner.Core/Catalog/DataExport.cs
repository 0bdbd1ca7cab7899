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

/// <summary>
/// A team's data pinned for work that leaves this process (a sweep's chunks on other machines): the export's zip and a
/// digest of what it holds, so that every machine computes with the catalog and profiles the sweep was started under.
/// </summary>
public static class DataSnapshot
{
    /// <summary>The catalog and profiles as the export's zip, and its <see cref="Digest"/>.</summary>
    public static (byte[] Zip, string Digest) Pack(DeviceCatalog catalog, IEnumerable<ThroughputProfile> profiles)
    {
        using var stream = new MemoryStream();
        DataExport.Write(catalog, profiles, stream);
        var zip = stream.ToArray();
        return (zip, Digest(zip));
    }

    /// <summary>
    /// SHA-256 (hex) of every entry's name and bytes in order: what the zip holds, not when it was made, so the same
    /// data packed twice has the same digest.
    /// </summary>
    public static string Digest(byte[] zip)
    {
        ArgumentNullException.ThrowIfNull(zip);
        using var archive = new ZipArchive(new MemoryStream(zip, writable: false), ZipArchiveMode.Read);
        using var hash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        foreach (var entry in archive.Entries.OrderBy(e => e.FullName, StringComparer.Ordinal))
        {
            hash.AppendData(System.Text.Encoding.UTF8.GetBytes(entry.FullName + "\n" + entry.Length.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\n"));
            using var content = entry.Open();
            var buffer = new byte[81_920];
            int read;
            while ((read = content.Read(buffer, 0, buffer.Length)) > 0)
            {
                hash.AppendData(buffer, 0, read);
            }
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>
    /// The catalog and profiles a <see cref="Pack"/>ed zip holds, read as <c>--data</c> reads them; a
    /// <see cref="CatalogException"/> when the zip is not one, or its digest is not <paramref name="digest"/>.
    /// </summary>
    public static (DeviceCatalog Catalog, ProfileStore Profiles) Unpack(byte[] zip, string digest)
    {
        ArgumentNullException.ThrowIfNull(zip);
        ArgumentNullException.ThrowIfNull(digest);
        string actual;
        try
        {
            actual = Digest(zip);
        }
        catch (InvalidDataException ex)
        {
            throw new CatalogException("snapshot", "document", "zip", $"is not a zip ({ex.Message})");
        }

        if (!string.Equals(actual, digest, StringComparison.OrdinalIgnoreCase))
        {
            throw new CatalogException("snapshot", "document", "digest", $"is {actual}, not {digest}: the data is not the sweep's");
        }

        var staging = Directory.CreateTempSubdirectory("inferenceplanner-snapshot-");
        try
        {
            using (var archive = new ZipArchive(new MemoryStream(zip, writable: false), ZipArchiveMode.Read))
            {
                archive.ExtractToDirectory(staging.FullName);
            }

            var profiles = Path.Combine(staging.FullName, DataExport.ProfilesFolder);
            return (CatalogLoader.Load(Path.Combine(staging.FullName, DataExport.CatalogFolder)),
                Directory.Exists(profiles) ? ProfileStore.Load(profiles) : ProfileStore.Empty);
        }
        finally
        {
            staging.Delete(recursive: true);
        }
    }
}
