namespace InferencePlanner.Tests.Shared;

/// <summary>Finds the repository's folders from the test's output folder.</summary>
internal static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    public static string Catalog => Path.Combine(Root, "data", "catalog");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "InferencePlanner.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"InferencePlanner.sln not found above {AppContext.BaseDirectory}");
    }
}
