namespace InferencePlanner.Core;

/// <summary>
/// Where the shipped data lies: <c>data/&lt;name&gt;</c> beside the program (copied there at build and publish), or
/// in the repository above it when run from a build folder. One rule for the catalog, profiles, projection
/// efficiencies, scenarios and traces.
/// </summary>
public static class DataFolders
{
    /// <summary>Every place <c>data/&lt;name&gt;</c> may be, nearest first: the program's folder, then each folder above it.</summary>
    public static IEnumerable<string> Candidates(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            yield return Path.Combine(dir.FullName, "data", name);
        }
    }

    /// <summary>
    /// The nearest <c>data/&lt;name&gt;</c> that exists — and holds <paramref name="file"/>, when one is named — or null.
    /// </summary>
    public static string? Find(string name, string? file = null) =>
        Candidates(name).FirstOrDefault(folder => file is null ? Directory.Exists(folder) : File.Exists(Path.Combine(folder, file)));
}
