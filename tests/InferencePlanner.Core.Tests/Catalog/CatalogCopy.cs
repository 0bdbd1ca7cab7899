namespace InferencePlanner.Core.Tests.Catalog;

/// <summary>A temporary copy of the shipped catalog with one file replaced by a bad one (or removed).</summary>
internal sealed class CatalogCopy : IDisposable
{
    private CatalogCopy(string path) => Path = path;

    public string Path { get; }

    public static CatalogCopy WithReplacement(string catalog, string? badFile, string target)
    {
        var dir = Directory.CreateTempSubdirectory("ip-catalog-").FullName;
        foreach (var file in Directory.GetFiles(catalog, "*.json"))
        {
            File.Copy(file, System.IO.Path.Combine(dir, System.IO.Path.GetFileName(file)));
        }

        var destination = System.IO.Path.Combine(dir, target);
        File.Delete(destination);
        if (badFile is not null)
        {
            File.Copy(System.IO.Path.Combine(AppContext.BaseDirectory, "BadCatalogs", badFile), destination);
        }

        return new CatalogCopy(dir);
    }

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
