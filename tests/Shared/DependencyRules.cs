using System.Reflection;
using System.Xml.Linq;

namespace InferencePlanner.Tests.Shared;

/// <summary>
/// The direction of dependence of DESIGN.md, checked two ways: what the compiled assembly references
/// (transitively, through the project's own assemblies), and what its project file declares
/// (transitively, through project references).
/// </summary>
internal static class DependencyRules
{
    /// <summary>
    /// What the domain, the simulator and planning must never reach: UI, web, native inference, database, and the
    /// cluster (a sweep's chunk is a pure function that runs the same with or without Orleans).
    /// </summary>
    public static readonly string[] UiWebNativeAndDatabase =
    [
        "Microsoft.AspNetCore", "MudBlazor", "Plotly", "Microsoft.ML.OnnxRuntime", "Microsoft.EntityFrameworkCore",
        "Microsoft.Data.Sqlite", "Google.Protobuf", "Orleans", "Microsoft.Orleans", "Npgsql",
    ];

    /// <summary>Every assembly name <paramref name="root"/> references, following the project's own assemblies.</summary>
    public static IReadOnlySet<string> ReferencedAssemblies(Assembly root)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<Assembly>([root]);
        while (pending.Count > 0)
        {
            var assembly = pending.Pop();
            foreach (var name in assembly.GetReferencedAssemblies())
            {
                if (name.Name is null || !seen.Add(name.Name))
                {
                    continue;
                }

                // Follow only the project's own assemblies; the framework's are not the project's choice.
                if (name.Name.StartsWith("InferencePlanner", StringComparison.Ordinal))
                {
                    pending.Push(Assembly.Load(name));
                }
            }
        }

        return seen;
    }

    /// <summary>Package and project names a project file declares, following its project references.</summary>
    public static IReadOnlySet<string> DeclaredReferences(string projectName)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>([ProjectFile(projectName)]);
        while (pending.Count > 0)
        {
            var file = pending.Pop();
            var project = XDocument.Load(file);
            foreach (var package in project.Descendants("PackageReference"))
            {
                seen.Add((string)package.Attribute("Include")!);
            }

            foreach (var reference in project.Descendants("ProjectReference"))
            {
                var path = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(file)!, ((string)reference.Attribute("Include")!).Replace('\\', '/')));
                if (seen.Add(Path.GetFileNameWithoutExtension(path)))
                {
                    pending.Push(path);
                }
            }

            // Framework references (ASP.NET Core's shared framework) count too.
            foreach (var framework in project.Descendants("FrameworkReference"))
            {
                seen.Add((string)framework.Attribute("Include")!);
            }

            if (((string?)project.Root?.Attribute("Sdk"))?.Contains("Web", StringComparison.Ordinal) == true)
            {
                seen.Add("Microsoft.AspNetCore.App");
            }
        }

        return seen;
    }

    public static IReadOnlyList<string> Violations(IEnumerable<string> names, IEnumerable<string> forbiddenPrefixes) =>
        names.Where(n => forbiddenPrefixes.Any(p => n.StartsWith(p, StringComparison.Ordinal))).Order(StringComparer.Ordinal).ToList();

    private static string ProjectFile(string projectName) =>
        Path.Combine(RepositoryPaths.Root, "src", projectName, projectName + ".csproj");
}
